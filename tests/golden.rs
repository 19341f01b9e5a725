//! Golden sessions: each `tests/scripts/NAME.sd` is run as a transcript
//! (`symgrad --echo --keep-going NAME.sd`, from that folder) and its output
//! compared with `NAME.out`. The pairs read as a tutorial. After a
//! deliberate change, `SNAPSHOTS=overwrite cargo test --test golden`
//! rewrites the `.out` files; review the diff before committing.

use std::path::Path;

#[test]
fn golden_sessions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts");
    let mut scripts: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/scripts exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sd"))
        .collect();
    scripts.sort();
    assert!(!scripts.is_empty(), "no golden scripts found");
    for script in scripts {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_symgrad"))
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .args(["--echo", "--keep-going"])
            .arg(script.file_name().expect("a file name"))
            .output()
            .expect("symgrad runs");
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        // Paths are not normalised: `\` in LaTeX output must stay as it is.
        snapbox::Assert::new()
            .action_env(snapbox::assert::DEFAULT_ACTION_ENV)
            .normalize_paths(false)
            .eq(text, snapbox::Data::read_from(&script.with_extension("out"), None));
    }
}
