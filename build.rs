//! Build script: generates the statement parser from `grammar/*.lalrpop`
//! with LALRPOP. The generated code goes to `OUT_DIR` (never into the
//! source tree) and is included by `src/syntax/mod.rs`.

fn main() {
    println!("cargo:rerun-if-changed=grammar");
    if let Err(e) = lalrpop::Configuration::new().set_in_dir("grammar").emit_rerun_directives(true).process() {
        // A grammar error is a build error; LALRPOP has already printed the
        // details (conflicts with their examples).
        eprintln!("LALRPOP failed: {e}");
        std::process::exit(1);
    }
}
