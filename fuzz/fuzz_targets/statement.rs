//! Arbitrary bytes as one statement of a fresh session: parse, lower,
//! simplify, evaluate and print, then the derivative of the result with
//! respect to `x` and its value, or the error's diagram. Any panic, hang or runaway allocation is a
//! finding; errors are the expected answer to most inputs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use symgrad::session::Session;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Writing files (`:save`, `> FILE`) is left out: the fuzzer would litter.
    if text.to_lowercase().contains("save") || text.contains('>') {
        return;
    }
    let mut s = Session::new();
    // A value, a declared vector and a function, so names resolve.
    for setup in [":let a = 2", ":var v[3]", ":def f(t) = t^2 + a"] {
        let _ = s.run(setup);
    }
    match s.run(&text) {
        Ok(_) => {
            let _ = s.run(":grad ans wrt x");
            let _ = s.run(":let x = 1/3");
            let _ = s.run(":eval");
        }
        // The error as the terminal shows it, in both styles.
        Err(e) => {
            let origin = symgrad::diag::Origin { name: "fuzz", source: &text, offset: 0 };
            let _ = symgrad::diag::render(&e, &origin, false);
            let _ = symgrad::diag::render(&e, &origin, true);
        }
    }
});
