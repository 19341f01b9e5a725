//! The example scripts of `examples/` (the README's tour of the book's
//! section 6.5): each `NAME.sd` runs without error (`symgrad --echo
//! NAME.sd`, from that folder) and prints what `NAME.out` holds. After a
//! deliberate change, `SNAPSHOTS=overwrite cargo test --test examples`
//! rewrites the `.out` files; review the diff before committing.

use std::path::{Path, PathBuf};
use std::process::Command;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

#[test]
fn examples_print_what_their_transcripts_say() {
    let dir = examples();
    let mut scripts: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sd"))
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 7, "the six section scripts and the tour");
    for script in scripts {
        let out = Command::new(env!("CARGO_BIN_EXE_symgrad"))
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .arg("--echo")
            .arg(script.file_name().expect("a file name"))
            .output()
            .expect("symgrad runs");
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{} failed:\n{text}", script.display());
        // Paths are not normalised: `\` in LaTeX and DOT output must stay.
        snapbox::Assert::new()
            .action_env(snapbox::assert::DEFAULT_ACTION_ENV)
            .normalize_paths(false)
            .eq(text, snapbox::Data::read_from(&script.with_extension("out"), None));
    }
}

/// Section 6.5.6: a chain where each level uses the previous one twice has
/// a tree of about 2^k leaves, but its derivative's graph grows linearly.
#[test]
fn repeated_subexpressions_stay_linear() {
    let mut args = vec!["--json".to_string(), "-e".into(), ":let u1 = w".into()];
    for k in 1..=16 {
        args.push("-e".into());
        args.push(format!(":let u{} = sin(u{k}) + cos(u{k})", k + 1));
    }
    for k in [2, 4, 8, 16] {
        args.push("-e".into());
        args.push(format!(":grad u{} wrt w", k + 1));
    }
    let out = Command::new(env!("CARGO_BIN_EXE_symgrad")).args(&args).output().expect("symgrad runs");
    let nodes: Vec<u64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|j| j["nodes"].as_u64())
        .collect();
    assert_eq!(nodes.len(), 4);
    // At most a fixed number of nodes per level, far from 2^16.
    for (k, n) in [2u64, 4, 8, 16].iter().zip(&nodes) {
        assert!(*n <= 5 * k + 5, "k = {k}: {n} nodes");
    }
    assert_eq!(nodes, [9, 17, 33, 66], "the counts the example script quotes");
}
