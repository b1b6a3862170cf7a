//! Proof that two entities' key templates never render the same text (DESIGN §10: two
//! different items never get the same key).
//!
//! A template is read as a sequence of character positions: a literal's characters, a
//! fixed-width placeholder's positions by what each may hold (a uuid's hex digits and
//! dashes, a datetime's digits and separators, a padded int's digits), and variable-width
//! placeholders (string-like, enum), each of which never holds the first character of the
//! literal after it. Two templates are walked side by side; they are proven distinct when
//! at some position they can hold no common character, or when one ends where the other
//! still has at least one character to come. Two variable-width placeholders that meet and
//! stop at the same character end at the same place in equal texts, so the walk goes on
//! past both. Anything else is not proven, and the generator refuses it.

use crate::ir::{Field, Format, Kind, Part, Template};

/// What one character position may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Exact(char),
    Digit,
    Hex,
    Any,
}

impl Class {
    fn meets(self, other: Class) -> bool {
        match (self, other) {
            (Class::Any, _) | (_, Class::Any) => true,
            (Class::Exact(a), Class::Exact(b)) => a == b,
            (Class::Exact(c), Class::Digit) | (Class::Digit, Class::Exact(c)) => c.is_ascii_digit(),
            (Class::Exact(c), Class::Hex) | (Class::Hex, Class::Exact(c)) => c.is_ascii_hexdigit(),
            (Class::Digit | Class::Hex, Class::Digit | Class::Hex) => true,
        }
    }
}

/// One position of a template, with how to name it in a message.
#[derive(Debug, Clone)]
enum Token {
    Char(Class, String),
    /// A variable-width placeholder (possibly empty) and the character it never holds.
    Var(Option<char>, String),
}

impl Token {
    fn label(&self) -> &str {
        match self {
            Token::Char(_, l) | Token::Var(_, l) => l,
        }
    }
}

/// The positions of a fixed-width stored text (`d` digit, `h` hex digit, `?` anything,
/// other characters as themselves), by the placeholder's type.
fn fixed_pattern(kind: &Kind, width: usize) -> String {
    match kind {
        Kind::Uuid if width == 36 => "hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh".to_string(),
        Kind::Date if width == 10 => "dddd-dd-dd".to_string(),
        // `%Y-%m-%dT%H:%M:%S%.6f%z`: the offset's sign is either.
        Kind::DateTime if width == 31 => "dddd-dd-ddTdd:dd:dd.dddddd?dddd".to_string(),
        _ => "?".repeat(width),
    }
}

fn tokens(t: &Template, fields: &[Field]) -> Vec<Token> {
    let mut out = Vec::new();
    for (i, part) in t.parts.iter().enumerate() {
        match part {
            Part::Lit(l) => out.extend(
                l.chars()
                    .map(|c| Token::Char(Class::Exact(c), format!("the literal `{c}`"))),
            ),
            Part::Field { field, format } => {
                let f = &fields[*field];
                let label = format!("`{{{}}}`", f.name);
                match format {
                    Format::Text => {
                        let stop = match t.parts.get(i + 1) {
                            Some(Part::Lit(l)) => l.chars().next(),
                            _ => None,
                        };
                        out.push(Token::Var(stop, label));
                    }
                    Format::Int(w) => {
                        out.extend((0..*w).map(|_| Token::Char(Class::Digit, label.clone())))
                    }
                    Format::Fixed(w) => {
                        out.extend(fixed_pattern(&f.ty.kind, *w).chars().map(|c| {
                            let class = match c {
                                'd' => Class::Digit,
                                'h' => Class::Hex,
                                '?' => Class::Any,
                                c => Class::Exact(c),
                            };
                            Token::Char(class, label.clone())
                        }))
                    }
                }
            }
        }
    }
    out
}

/// Whether what is left of a template always renders at least one character.
fn never_empty(rest: &[Token]) -> bool {
    rest.iter().any(|t| matches!(t, Token::Char(..)))
}

/// `Ok` when no values render `a` (of `a_fields`) and `b` (of `b_fields`) to the same
/// text; otherwise why that is not proven, said of `b`.
pub(crate) fn distinct(
    (a, a_fields): (&Template, &[Field]),
    (b, b_fields): (&Template, &[Field]),
) -> Result<(), String> {
    let (x, y) = (tokens(a, a_fields), tokens(b, b_fields));
    let (mut i, mut j) = (0, 0);
    loop {
        match (x.get(i), y.get(j)) {
            (None, None) => {
                return Err("the two can render the same text".to_string());
            }
            (None, Some(_)) if never_empty(&y[j..]) => return Ok(()),
            (Some(_), None) if never_empty(&x[i..]) => return Ok(()),
            (None, Some(t)) | (Some(t), None) => {
                return Err(format!(
                    "where one ends, the other has only {}, which may be empty",
                    t.label()
                ));
            }
            (Some(Token::Char(p, _)), Some(Token::Char(q, _))) => {
                if !p.meets(*q) {
                    return Ok(());
                }
                i += 1;
                j += 1;
            }
            (Some(Token::Var(Some(s), _)), Some(Token::Var(Some(t), _))) if s == t => {
                i += 1;
                j += 1;
            }
            (Some(Token::Var(_, l)), Some(other)) | (Some(other), Some(Token::Var(_, l))) => {
                return Err(format!(
                    "{l}, of variable width, stands where the other has {}, so where it ends is unknown",
                    other.label()
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Field, Rules, Type};

    fn field(name: &str, kind: Kind) -> Field {
        Field {
            name: name.into(),
            attribute: name.into(),
            renamed_from: None,
            required: true,
            default: None,
            doc: None,
            ty: Type {
                kind,
                rules: Rules::default(),
            },
            version: false,
            read_only: false,
            key: true,
            encrypt: false,
            signed: true,
            attributes: Vec::new(),
        }
    }

    /// A template from text: `{s}` a string, `{u}` a uuid, `{t}` a datetime, `{n}` an int
    /// padded to 4, `{d}` a date.
    fn template(text: &str) -> (Template, Vec<Field>) {
        let fields = vec![
            field("s", Kind::String),
            field("u", Kind::Uuid),
            field("t", Kind::DateTime),
            field("n", Kind::Int),
            field("d", Kind::Date),
        ];
        let mut parts = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            match rest.find('{') {
                Some(0) => {
                    let close = rest.find('}').unwrap();
                    let name = &rest[1..close];
                    let field = fields.iter().position(|f| f.name == name).unwrap();
                    let format = match name {
                        "s" => Format::Text,
                        "u" => Format::Fixed(36),
                        "t" => Format::Fixed(31),
                        "n" => Format::Int(4),
                        _ => Format::Fixed(10),
                    };
                    parts.push(Part::Field { field, format });
                    rest = &rest[close + 1..];
                }
                Some(o) => {
                    parts.push(Part::Lit(rest[..o].to_string()));
                    rest = &rest[o..];
                }
                None => {
                    parts.push(Part::Lit(rest.to_string()));
                    rest = "";
                }
            }
        }
        (
            Template {
                attr: "sk".into(),
                parts,
            },
            fields,
        )
    }

    fn check(a: &str, b: &str) -> Result<(), String> {
        let (a, af) = template(a);
        let (b, bf) = template(b);
        let one = distinct((&a, &af), (&b, &bf));
        let other = distinct((&b, &bf), (&a, &af));
        assert_eq!(one.is_ok(), other.is_ok(), "the proof is symmetric");
        one
    }

    #[test]
    fn distinct_literals_and_lengths_are_proven() {
        assert!(check("issue#{u}", "issue#{u}#comment#{u}").is_ok());
        assert!(check("note#{s}", "notebook#{s}").is_ok());
        assert!(check("a#{s}", "b#{s}").is_ok());
        assert!(check("{t}#x", "note#{s}").is_ok(), "a digit is never `n`");
        assert!(check("{u}", "zz{s}").is_ok(), "`z` is no hex digit");
        assert!(check("x#{s}#a", "x#{s}#b").is_ok(), "both stop at `#`");
        assert!(check("v{n}", "v{n}{u}").is_ok());
        assert!(check("project", "issue#{u}").is_ok());
        assert!(
            check("d#{d}", "d#{t}").is_ok(),
            "a date ends where a datetime has `T`"
        );
    }

    #[test]
    fn what_could_collide_is_refused() {
        // `issue#a#comment#<uuid>` is an issue whose id is `a#comment#<uuid>`.
        assert!(check("issue#{s}", "issue#{s}#comment#{u}").is_err());
        assert!(check("x#{s}", "x#{s}").is_err());
        assert!(check("{s}", "a#{s}").is_err());
        assert!(check("a{s}", "a").is_err(), "the string may be empty");
        assert!(check("a#{u}", "a#{u}").is_err());
        assert!(check("x{s}#", "x{s}:").is_err(), "different stops");
        assert!(check("v{n}", "v{n}").is_err());
        assert!(
            check("v{n}", "v{d}").is_ok(),
            "four digits, then the date's `-`"
        );
    }
}
