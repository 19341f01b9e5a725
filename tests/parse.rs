//! Tests of the syntax front end through its public API: every expression
//! form and statement of SPEC §2–3, precedence, exact numerals, raw file
//! arguments, error messages with their positions, and the nesting limit.

use num_rational::BigRational;
use symgrad::error::{ErrorKind, Span};
use symgrad::syntax::ast::{BinOp, Expr, ExprKind, IndexItem, Stmt};
use symgrad::syntax::{MAX_DEPTH, is_incomplete, parse_expr, parse_statement};

/// An expression as a compact s-expression, so that tests state trees in
/// one line: `-x^2` is `(neg (^ x 2))`.
fn sx(e: &Expr) -> String {
    let list = |v: &[Expr]| v.iter().map(sx).collect::<Vec<_>>().join(" ");
    let opt = |o: &Option<Expr>| o.as_ref().map_or("_".to_string(), sx);
    match &e.kind {
        ExprKind::Num(n) => n.to_string(),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Name(n) => n.clone(),
        ExprKind::Result(n) => format!("${n}"),
        ExprKind::Neg(a) => format!("(neg {})", sx(a)),
        ExprKind::Binary(op, a, b) => {
            let op = match op {
                BinOp::Add => "+",
                BinOp::Sub => "-",
                BinOp::Mul => "*",
                BinOp::Div => "/",
                BinOp::MatMul => "@",
                BinOp::Pow => "^",
            };
            format!("({op} {} {})", sx(a), sx(b))
        }
        ExprKind::Transpose(a) => format!("(T {})", sx(a)),
        ExprKind::Call(f, args) => format!("({} {})", f.name, list(args)).replace(" )", ")"),
        ExprKind::Tensor(items) => format!("[{}]", list(items)),
        ExprKind::Index(a, items) => {
            let items: Vec<String> = items
                .iter()
                .map(|i| match i {
                    IndexItem::At(e) => sx(e),
                    IndexItem::Slice { start, stop, step, .. } => {
                        format!("{}:{}:{}", opt(start), opt(stop), opt(step))
                    }
                })
                .collect();
            format!("(idx {} {})", sx(a), items.join(" "))
        }
        ExprKind::Where(a, binds) => {
            let b: Vec<String> = binds.iter().map(|(n, e)| format!("{}={}", n.name, sx(e))).collect();
            format!("(where {} {})", sx(a), b.join(" "))
        }
    }
}

fn p(src: &str) -> String {
    match parse_expr(src) {
        Ok(e) => sx(&e),
        Err(e) => panic!("{src:?}: {} at {:?}", e.message, e.span),
    }
}

fn stmt(src: &str) -> Stmt {
    parse_statement(src).unwrap_or_else(|e| panic!("{src:?}: {} at {:?}", e.message, e.span))
}

/// The error of `src`: (kind, span start, span end, message).
fn err(src: &str) -> (ErrorKind, usize, usize, String) {
    match parse_statement(src) {
        Ok(s) => panic!("{src:?} parsed: {s:?}"),
        Err(e) => (e.kind, e.span.start, e.span.end, e.message),
    }
}

fn num(e: &Expr) -> BigRational {
    match &e.kind {
        ExprKind::Num(n) => n.clone(),
        k => panic!("not a number: {k:?}"),
    }
}

fn rat(n: i64, d: i64) -> BigRational {
    BigRational::new(n.into(), d.into())
}

#[test]
fn atoms() {
    assert_eq!(p("x"), "x");
    assert_eq!(p("$3"), "$3");
    assert_eq!(p("load(\"data/a b.npy\")"), "(load \"data/a b.npy\")");
    assert_eq!(p("w_1 + λ + θ2 + _t"), "(+ (+ (+ w_1 λ) θ2) _t)");
    assert_eq!(p("pi"), "pi");
}

#[test]
fn numbers_are_exact() {
    let n = |s: &str| num(&parse_expr(s).unwrap());
    assert_eq!(n("3"), rat(3, 1));
    assert_eq!(n("1.2"), rat(6, 5));
    assert_eq!(n("1.25"), rat(5, 4));
    assert_eq!(n(".5"), rat(1, 2));
    assert_eq!(n("1e-3"), rat(1, 1000));
    assert_eq!(n("2.5E+4"), rat(25000, 1));
    assert_eq!(n("3.764"), rat(941, 250));
    let e = parse_statement("x + 1e999999999").unwrap_err();
    assert_eq!((e.kind, e.span), (ErrorKind::Limit, Span::new(4, 15)));
}

#[test]
fn operators_and_precedence() {
    assert_eq!(p("-x^2"), "(neg (^ x 2))");
    assert_eq!(p("2^-1"), "(^ 2 (neg 1))");
    assert_eq!(p("x^-y^2"), "(^ x (neg (^ y 2)))");
    assert_eq!(p("a-b-c"), "(- (- a b) c)");
    assert_eq!(p("a+b-c"), "(- (+ a b) c)");
    assert_eq!(p("a/b*c"), "(* (/ a b) c)");
    assert_eq!(p("x@y*z"), "(* (@ x y) z)");
    assert_eq!(p("x*y@z"), "(@ (* x y) z)");
    assert_eq!(p("2^3^2"), "(^ 2 (^ 3 2))");
    assert_eq!(p("A'"), "(T A)");
    assert_eq!(p("x'^2"), "(^ (T x) 2)");
    assert_eq!(p("-x'"), "(neg (T x))");
    assert_eq!(p("-x*y"), "(* (neg x) y)");
    assert_eq!(p("a*-b"), "(* a (neg b))");
    assert_eq!(p("a - -b"), "(- a (neg b))");
    assert_eq!(p("--x"), "(neg (neg x))");
    assert_eq!(p("a+b*c^d"), "(+ a (* b (^ c d)))");
    assert_eq!(p("(a+b)*c"), "(* (+ a b) c)");
    assert_eq!(p("x''"), "(T (T x))");
    assert_eq!(p("2^x'"), "(^ 2 (T x))");
    assert_eq!(p("v @ A @ w"), "(@ (@ v A) w)");
}

#[test]
fn calls_tensors_and_indexing() {
    assert_eq!(p("sin(x)"), "(sin x)");
    assert_eq!(p("max(a, b)"), "(max a b)");
    assert_eq!(p("max(a, b,)"), "(max a b)");
    assert_eq!(p("zeros(2, 3)"), "(zeros 2 3)");
    assert_eq!(p("f()"), "(f)");
    assert_eq!(p("grad(grad(f, x), x)"), "(grad (grad f x) x)");
    assert_eq!(p("[1.2, 3.764, -1.8]"), "[6/5 941/250 (neg 9/5)]");
    assert_eq!(p("[[1, 2], [3, 4]]"), "[[1 2] [3 4]]");
    assert_eq!(p("[[[1], [2]], [[3], [4]],]"), "[[[1] [2]] [[3] [4]]]");
    assert_eq!(p("x[0]"), "(idx x 0)");
    assert_eq!(p("x[-1]"), "(idx x (neg 1))");
    assert_eq!(p("A[1, 2]"), "(idx A 1 2)");
    assert_eq!(p("x[1:3]"), "(idx x 1:3:_)");
    assert_eq!(p("A[:, 0]"), "(idx A _:_:_ 0)");
    assert_eq!(p("x[i, 1:3, :, ::2, -1]"), "(idx x i 1:3:_ _:_:_ _:_:2 (neg 1))");
    assert_eq!(p("x[i:j:k]"), "(idx x i:j:k)");
    assert_eq!(p("x[1:]"), "(idx x 1:_:_)");
    assert_eq!(p("x[:n-1]"), "(idx x _:(- n 1):_)");
    assert_eq!(p("x[::k]"), "(idx x _:_:k)");
    assert_eq!(p("A[0]'"), "(T (idx A 0))");
    assert_eq!(p("f(x)[1]"), "(idx (f x) 1)");
    assert_eq!(p("A[0][1]"), "(idx (idx A 0) 1)");
    assert_eq!(p("[1, 2][0]"), "(idx [1 2] 0)");
    assert_eq!(p("x[0]^2"), "(^ (idx x 0) 2)");
    assert_eq!(p("-x[0]"), "(neg (idx x 0))");
    assert_eq!(p("(x)'"), "(T x)");
}

#[test]
fn where_clauses() {
    assert_eq!(p("t1 * t2 where t1 = x + 1, t2 = sin(t1)"), "(where (* t1 t2) t1=(+ x 1) t2=(sin t1))");
    assert_eq!(p("t where t = 1,"), "(where t t=1)");
    assert_eq!(p("2 * (t where t = x)"), "(* 2 (where t t=x))");
    // Only at the end of a statement or a group: in a list it is ambiguous.
    assert!(parse_expr("f(t where t = 1)").is_err());
    match stmt(":grad t^2 where t = x*y wrt x, y") {
        Stmt::Grad { expr, wrt } => {
            assert_eq!(sx(&expr), "(where (^ t 2) t=(* x y))");
            assert_eq!(wrt.len(), 2);
        }
        s => panic!("{s:?}"),
    }
    // The last binding of a :let may have one; it takes the rest.
    match stmt(":let a = 1, f = t*2 where t = x, u = 2") {
        Stmt::Let(binds) => {
            let shown: Vec<String> = binds.iter().map(|(n, e)| format!("{}={}", n.name, sx(e))).collect();
            assert_eq!(shown, ["a=1", "f=(where (* t 2) t=x u=2)"]);
        }
        s => panic!("{s:?}"),
    }
}

#[test]
fn spans() {
    let e = parse_expr("a + sin(b)'").unwrap();
    assert_eq!(e.span, Span::new(0, 11));
    let ExprKind::Binary(_, a, b) = &e.kind else { panic!() };
    assert_eq!(a.span, Span::new(0, 1));
    assert_eq!(b.span, Span::new(4, 11));
    let ExprKind::Transpose(call) = &b.kind else { panic!() };
    let ExprKind::Call(f, args) = &call.kind else { panic!() };
    assert_eq!(f.span, Span::new(4, 7));
    assert_eq!(args[0].span, Span::new(8, 9));
    let e = parse_expr("x[1:3]").unwrap();
    let ExprKind::Index(_, items) = &e.kind else { panic!() };
    let IndexItem::Slice { span, .. } = &items[0] else { panic!() };
    assert_eq!(*span, Span::new(2, 5));
    // λ is two bytes: spans are byte offsets.
    let e = parse_expr("λ + y").unwrap();
    let ExprKind::Binary(_, _, y) = &e.kind else { panic!() };
    assert_eq!(y.span, Span::new(5, 6));
}

#[test]
fn statements() {
    let names = |v: &[symgrad::syntax::ast::Ident]| v.iter().map(|i| i.name.clone()).collect::<Vec<_>>();
    assert_eq!(stmt(""), Stmt::Empty);
    assert_eq!(stmt("   # just a comment"), Stmt::Empty);
    assert!(matches!(stmt("x*y  # product"), Stmt::Expr(_)));
    match stmt(":let a = 1, b = [1, 2], c = a*x") {
        Stmt::Let(b) => {
            assert_eq!(b.len(), 3);
            assert_eq!(b[2].0.name, "c");
            assert_eq!(sx(&b[2].1), "(* a x)");
        }
        s => panic!("{s:?}"),
    }
    match stmt(":var W[3,2], b[3], x") {
        Stmt::Var(v) => {
            assert_eq!(v.len(), 3);
            assert_eq!(v[0].name.name, "W");
            assert_eq!(v[0].dims.len(), 2);
            assert_eq!(v[1].dims.len(), 1);
            assert!(v[2].dims.is_empty());
        }
        s => panic!("{s:?}"),
    }
    match stmt(":def f(x, y) = x*y + 1") {
        Stmt::Def { name, params, body } => {
            assert_eq!(name.name, "f");
            assert_eq!(names(&params), ["x", "y"]);
            assert_eq!(sx(&body), "(+ (* x y) 1)");
        }
        s => panic!("{s:?}"),
    }
    assert!(matches!(stmt(":def c() = 2"), Stmt::Def { params, .. } if params.is_empty()));
    match stmt(":grad relu(x*w + b) wrt w, b") {
        Stmt::Grad { expr, wrt } => {
            assert_eq!(sx(&expr), "(relu (+ (* x w) b))");
            assert_eq!(names(&wrt), ["w", "b"]);
        }
        s => panic!("{s:?}"),
    }
    assert!(matches!(stmt(":jacobian W@x wrt x"), Stmt::Jacobian { .. }));
    assert!(matches!(stmt(":hessian x^2*y wrt x, y"), Stmt::Hessian { wrt, .. } if wrt.len() == 2));
    assert_eq!(stmt(":eval"), Stmt::Eval(None));
    assert!(matches!(stmt(":eval ans"), Stmt::Eval(Some(_))));
    assert!(matches!(stmt(":simplify x + 0"), Stmt::Simplify(_)));
    assert_eq!(stmt(":show"), Stmt::Show { expr: None, wrt: vec![] });
    assert!(matches!(stmt(":show x*y"), Stmt::Show { expr: Some(_), wrt } if wrt.is_empty()));
    assert!(matches!(stmt(":show x*y wrt x"), Stmt::Show { expr: Some(_), wrt } if wrt.len() == 1));
    assert!(matches!(stmt(":trace sin(x) wrt x"), Stmt::Trace { .. }));
    assert!(matches!(stmt(":check sin(x) wrt x"), Stmt::Check { .. }));
    assert_eq!(stmt(":latex"), Stmt::Latex(None));
    assert!(matches!(stmt(":latex x^2"), Stmt::Latex(Some(_))));
    assert_eq!(stmt(":dot"), Stmt::Dot { expr: None, wrt: vec![], out: None });
    assert!(matches!(stmt(":dot x*y wrt x"), Stmt::Dot { expr: Some(_), out: None, .. }));
    match stmt(":codegen python x*y wrt x, y > out.py") {
        Stmt::Codegen { lang, expr, wrt, out } => {
            assert_eq!(lang.name, "python");
            assert_eq!(sx(&expr), "(* x y)");
            assert_eq!(names(&wrt), ["x", "y"]);
            let out = out.unwrap();
            assert_eq!(out.path, "out.py");
            assert_eq!(out.span, Span::new(31, 37));
        }
        s => panic!("{s:?}"),
    }
    assert!(matches!(stmt(":codegen rust x wrt x"), Stmt::Codegen { out: None, .. }));
    assert_eq!(stmt(":vars"), Stmt::Vars);
    assert!(matches!(stmt(":unlet a, b"), Stmt::Unlet(v) if v.len() == 2));
    assert_eq!(stmt(":reset"), Stmt::Reset);
    assert!(matches!(stmt(":seed 42"), Stmt::Seed(_)));
    assert_eq!(stmt(":help"), Stmt::Help(None));
    assert_eq!(stmt(":help conventions"), Stmt::Help(Some("conventions".into())));
    assert_eq!(stmt(":h grad"), Stmt::Help(Some("grad".into())));
    assert_eq!(stmt(":quit"), Stmt::Quit);
    assert_eq!(stmt(":q"), Stmt::Quit);
    assert_eq!(stmt(":exit"), Stmt::Quit);
    assert!(matches!(stmt(":time :grad x^2 wrt x"), Stmt::Time(s) if matches!(*s, Stmt::Grad { .. })));
    assert!(matches!(stmt(":timeit sin(x)"), Stmt::Timeit(s) if matches!(*s, Stmt::Expr(_))));
    assert!(matches!(stmt(":time :timeit x"), Stmt::Time(_)));
    // A statement continued over lines while a bracket is open.
    assert!(matches!(stmt(":let A = [[1, 2],\n          [3, 4]]"), Stmt::Let(_)));
}

#[test]
fn raw_file_arguments() {
    let path = |s: &str| match stmt(s) {
        Stmt::Load(p) | Stmt::Save(p) => (p.path, p.span.start, p.span.end),
        Stmt::Dot { out: Some(p), .. } | Stmt::Codegen { out: Some(p), .. } => (p.path, p.span.start, p.span.end),
        s => panic!("{s:?}"),
    };
    assert_eq!(path(":load examples/a b.sd"), ("examples/a b.sd".into(), 6, 21));
    assert_eq!(path(":load examples/a.sd   # helpers"), ("examples/a.sd".into(), 6, 19));
    assert_eq!(path(":save \"my file.sd\""), ("my file.sd".into(), 7, 17));
    assert_eq!(path(":save \"my #1.sd\"  # comment"), ("my #1.sd".into(), 7, 15));
    assert_eq!(path(":load C:\\data\\x(1).sd"), ("C:\\data\\x(1).sd".into(), 6, 21));
    assert_eq!(path(":dot x*y > out.dot"), ("out.dot".into(), 11, 18));
    assert_eq!(path(":dot > g.dot"), ("g.dot".into(), 7, 12));
    assert_eq!(path(":dot x wrt x > \"a b.dot\""), ("a b.dot".into(), 16, 23));
    assert_eq!(path(":load λ/€.sd"), ("λ/€.sd".into(), 6, 15));
    assert!(matches!(stmt(":time :load a.sd"), Stmt::Time(_)));
    assert_eq!(err(":load"), (ErrorKind::Syntax, 5, 5, "expected a file name".into()));
    assert_eq!(err(":save   # nothing").3, "expected a file name");
    assert_eq!(err(":dot x >").3, "expected a file name after `>`");
    assert_eq!(err(":save \"a.sd").3, "unterminated string");
    assert_eq!(err(":save \"a.sd\" b").3, "unexpected text after the file name");
}

#[test]
fn error_messages_and_positions() {
    let e = err("sin(x");
    assert_eq!((e.0, e.1, e.2), (ErrorKind::Syntax, 5, 5));
    assert!(e.3.starts_with("unexpected end of input; expected "), "{}", e.3);
    assert!(e.3.contains("`)`"), "{}", e.3);
    assert_eq!(err("sin("), (ErrorKind::Syntax, 4, 4, "unexpected end of input; expected an expression or `)`".into()));
    assert_eq!(err("x +* y"), (ErrorKind::Syntax, 3, 4, "unexpected `*`; expected an expression".into()));
    let e = err("[1, 2");
    assert_eq!((e.1, e.2), (5, 5));
    assert!(e.3.contains("`]`"), "{}", e.3);
    let e = parse_statement(":grd x").unwrap_err();
    assert_eq!((e.kind, e.span, e.message.as_str()), (ErrorKind::Syntax, Span::new(0, 4), "unknown command `:grd`"));
    assert_eq!(e.help.as_deref(), Some("did you mean `:grad`?"));
    assert_eq!(err("x €"), (ErrorKind::Syntax, 2, 5, "unexpected character `€`".into()));
    assert_eq!(err("[]").3, "unexpected `]`; expected an expression");
    assert_eq!(err("x y").1, 2);
    assert_eq!(err("x)"), (ErrorKind::Syntax, 1, 2, "unexpected `)`; expected end of input".into()));
    assert_eq!(err("sin(x").3, "unexpected end of input; expected an operator, `)` or `,`");
    assert_eq!(err(":grad x").3, "unexpected end of input; expected `wrt`");
    assert_eq!(err(":dot x* > f").3, "unexpected `>`; expected an expression");
    assert_eq!(err(":time").3, "expected a statement after `:time`");
    assert_eq!(err("x > 1").1, 2);
    assert_eq!(err("a\n  +* b").1, 5);
    // Never a panic, whatever the input.
    for src in ["\"", "$", "'", ":", "::", "]", ")(", "x[", "x[:", "1e", ".", "@", "\u{0}", "x^", ":let a", ":var W[]"]
    {
        assert!(parse_statement(src).is_err(), "{src:?}");
    }
}

#[test]
fn incomplete_statements() {
    assert!(is_incomplete("sin(x"));
    assert!(is_incomplete(":let A = [[1, 2],"));
    assert!(is_incomplete("f(x,\n  [1, 2"));
    assert!(!is_incomplete("sin(x)"));
    assert!(!is_incomplete("x # ("));
    assert!(!is_incomplete("load(\"a(.npy\")"));
    assert!(!is_incomplete(":load a(b.sd"));
    assert!(!is_incomplete(":time :load a(b.sd"));
    assert!(!is_incomplete(":dot x > a(b.dot"));
    assert!(!is_incomplete("x) + (y"));
    assert!(!is_incomplete(""));
    assert!(is_incomplete(":time f(x €"));
}

fn nested(open: &str, mid: &str, close: &str, n: usize) -> String {
    format!("{}{mid}{}", open.repeat(n), close.repeat(n))
}

#[test]
fn depth_limit() {
    let limit = |src: &str| match parse_statement(src) {
        Err(e) if e.kind == ErrorKind::Limit => e.span.start,
        r => panic!("expected a limit error, got {:?}", r.map(|_| ())),
    };
    // Far past the limit: refused at the bracket or operator that passes it.
    assert_eq!(limit(&nested("(", "x", ")", 10_000)), MAX_DEPTH);
    assert_eq!(limit(&nested("[", "1", "]", 10_000)), MAX_DEPTH);
    assert_eq!(limit(&format!("{}x", "-".repeat(10_000))), MAX_DEPTH);
    assert_eq!(limit(&format!("x{}", "^x".repeat(10_000))), 1 + 2 * MAX_DEPTH);
    assert_eq!(limit(&format!("x{}", "'".repeat(10_000))), 1 + MAX_DEPTH);
    // Each index is an operator and a bracket around its items.
    assert_eq!(limit(&format!("x{}", "[0]".repeat(10_000))), 1 + 3 * (MAX_DEPTH - 1));
    // A chain of `+ - * /` counts a level per 64 operators: lowered as one
    // sum, it goes deep only in the syntax tree's small-framed walks.
    assert_eq!(limit(&format!("1{}", "+1".repeat(200_000))), 1 + 2 * 64 * MAX_DEPTH);
    // Up to the limit, on a stack the size of symgrad's parsing thread's.
    let longest = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(|| {
            assert!(parse_statement(&format!("1{}", "+1".repeat(64 * MAX_DEPTH - 1))).is_ok());
            assert!(parse_statement(&format!("x{}", "+x^2".repeat(64 * (MAX_DEPTH - 1)))).is_ok());
        })
        .expect("a thread");
    assert!(longest.join().is_ok());
    assert!(limit(&format!("{}x", "f(".repeat(10_000))) > 0);
    assert!(limit(&format!(":time {}", nested("(", "x", ")", 10_000))) > 0);
    assert!(parse_expr(&nested("(", "x", ")", 10_000)).is_err());
    // Inside the limit.
    assert!(parse_statement(&nested("(", "x", ")", 1000)).is_ok());
    assert!(parse_statement(&nested("[", "1", "]", 1000)).is_ok());
    assert!(parse_statement(&format!("{}x", "-".repeat(1000))).is_ok());
    assert!(parse_statement(&format!("x{}", "^x".repeat(1000))).is_ok());
    // Siblings do not add up: long lists and many bindings are flat.
    let v: Vec<String> = (1..=5000).map(|i| format!("-{i}")).collect();
    assert!(parse_statement(&format!(":let v = [{}]", v.join(", "))).is_ok());
    let b: Vec<String> = (1..=3000).map(|i| format!("t{i} = -x*y + t{}", i - 1)).collect();
    assert!(parse_statement(&format!("t0 * 2 where {}", b.join(", "))).is_ok());
    assert_eq!(limit(&format!("{}x", ":time ".repeat(20))), 6 * 8);
}

#[test]
fn deepest_accepted_inputs_parse_and_drop() {
    // At the limit exactly, built, compared and dropped on this thread.
    for src in [
        nested("(", "x", ")", MAX_DEPTH),
        nested("[", "1", "]", MAX_DEPTH),
        format!("{}x", "-".repeat(MAX_DEPTH)),
        format!("x{}", "^x".repeat(MAX_DEPTH)),
        format!("x{}", "'".repeat(MAX_DEPTH)),
        format!("x{}", "[0]".repeat(MAX_DEPTH / 2)),
        nested("sin(", "x", ")", MAX_DEPTH),
    ] {
        let stmt = parse_statement(&src).unwrap_or_else(|e| panic!("{}: {}", &src[..20], e.message));
        drop(stmt);
    }
    assert!(parse_statement(&nested("(", "x", ")", MAX_DEPTH + 1)).is_err());
    assert!(parse_statement(&format!("{}x", "-".repeat(MAX_DEPTH + 1))).is_err());
}
