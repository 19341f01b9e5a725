use symgrad::syntax::*;
#[test]
fn scratch() {
    for s in ["sin(x", "x +* y", "[1, 2", ":grd x", "x €", "sin(", "x y", "x)", ":grad x", ":grad x wrt", ":let", "[]", "x[]", ":dot x* > f", "f(a,", ":var W[", "x where", ":codegen", "-x^2", "x^-y^2", ":load", ":time", ":time :load a b # c", ":dot x*y > out.dot", ":save \"my file.sd\" # hi", "x[1:3, :, ::2, -1, i:j]"] {
        match parse_statement(s) {
            Ok(st) => println!("{s:?} => OK {st:?}"),
            Err(e) => println!("{s:?} => {:?} {}..{} {} | {:?}", e.kind, e.span.start, e.span.end, e.message, e.help),
        }
    }
}
