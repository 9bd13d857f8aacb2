//! The core's public types as the generators see them, read from the core's own source with
//! `syn`: names, docs, fields and their types, and each enum's stable strings (`as_str`).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// A field's type, reduced to what the bindings distinguish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    Str,
    Bool,
    U16,
    U32,
    /// `rust_decimal::Decimal`: money, exact.
    Decimal,
    /// `DateTime<Utc>`.
    Timestamp,
    /// `NaiveDate`: a calendar date.
    Date,
    Duration,
    /// `brokerlink::Secret`: printed hidden in every language.
    Secret,
    /// `serde_json::Value`: raw JSON.
    Json,
    Opt(Box<Ty>),
    List(Box<Ty>),
    /// Another type of the catalogue.
    Named(String),
}

impl Ty {
    /// Whether this type, or one inside an `Option`/`Vec`, is `t`.
    pub fn holds(&self, t: &Ty) -> bool {
        match self {
            Ty::Opt(inner) | Ty::List(inner) => inner.holds(t),
            other => other == t,
        }
    }

    pub fn named(&self) -> Option<&str> {
        match self {
            Ty::Opt(inner) | Ty::List(inner) => inner.named(),
            Ty::Named(name) => Some(name),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub docs: Vec<String>,
    pub ty: Ty,
}

#[derive(Debug, Clone)]
pub struct Variant {
    pub ident: String,
    pub docs: Vec<String>,
    /// The stable string: `as_str()` for a fieldless enum, `kind_str()` (or the lower-cased
    /// name) for an enum whose variants carry data.
    pub value: String,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone)]
pub enum Shape {
    Record(Vec<Field>),
    /// Fieldless, with `ALL` and `as_str()` in the core.
    Enum {
        variants: Vec<Variant>,
        non_exhaustive: bool,
    },
    /// Variants with named fields (or none): a discriminated union in every language.
    Union(Vec<Variant>),
}

#[derive(Debug, Clone)]
pub struct Def {
    pub name: String,
    /// The Rust path of the crate that defines it (`brokerlink`, `brokerlink_sandbox`).
    pub krate: &'static str,
    pub docs: Vec<String>,
    pub shape: Shape,
}

impl Def {
    pub fn path(&self) -> String {
        format!("{}::{}", self.krate, self.name)
    }

    pub fn fields(&self) -> &[Field] {
        match &self.shape {
            Shape::Record(fields) => fields,
            _ => &[],
        }
    }

    pub fn variants(&self) -> &[Variant] {
        match &self.shape {
            Shape::Enum { variants, .. } | Shape::Union(variants) => variants,
            Shape::Record(_) => &[],
        }
    }

    pub fn is_enum(&self) -> bool {
        matches!(self.shape, Shape::Enum { .. })
    }

    /// Whether the record carries a credential that every printed form must hide.
    pub fn has_secret(&self) -> bool {
        self.fields().iter().any(|f| f.ty.holds(&Ty::Secret))
    }
}

#[derive(Debug)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn fail<T>(message: impl Into<String>) -> Result<T, Error> {
    Err(Error(message.into()))
}

/// Every public struct and enum of one crate's source folder, by name, with the stable strings
/// found in its `impl` blocks.
#[derive(Default)]
pub struct Crate {
    items: BTreeMap<String, syn::Item>,
    strings: BTreeMap<String, BTreeMap<String, String>>,
    file_of: BTreeMap<String, PathBuf>,
    /// Every public function and method, for rewriting names in docs.
    pub functions: Vec<String>,
}

impl fmt::Debug for Crate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Crate").field("items", &self.items.keys()).finish()
    }
}

impl Crate {
    pub fn read(dir: &Path) -> Result<Crate, Error> {
        let mut krate = Crate::default();
        let mut files = Vec::new();
        collect_rs(dir, &mut files)?;
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|e| Error(format!("{}: {e}", file.display())))?;
            let parsed = syn::parse_file(&text).map_err(|e| Error(format!("{}: {e}", file.display())))?;
            for item in parsed.items {
                krate.add(item, &file);
            }
        }
        Ok(krate)
    }

    fn add(&mut self, item: syn::Item, file: &Path) {
        match &item {
            syn::Item::Struct(s) if is_pub(&s.vis) => {
                self.file_of.insert(s.ident.to_string(), file.to_owned());
                self.items.insert(s.ident.to_string(), item);
            }
            syn::Item::Enum(e) if is_pub(&e.vis) => {
                self.file_of.insert(e.ident.to_string(), file.to_owned());
                self.items.insert(e.ident.to_string(), item);
            }
            syn::Item::Fn(function) if is_pub(&function.vis) => {
                self.functions.push(function.sig.ident.to_string());
            }
            syn::Item::Impl(block) if block.trait_.is_none() => {
                let Some(owner) = type_name(&block.self_ty) else { return };
                for member in &block.items {
                    if let syn::ImplItem::Fn(method) = member {
                        let name = method.sig.ident.to_string();
                        if is_pub(&method.vis) {
                            self.functions.push(name.clone());
                        }
                        if name == "as_str" || name == "kind_str" {
                            let strings = self.strings.entry(owner.clone()).or_default();
                            for (variant, value) in match_arms(&method.block) {
                                strings.entry(variant).or_insert(value);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// The definition of `name`, read as a catalogue entry of crate `krate`.
    pub fn def(&self, krate: &'static str, name: &str) -> Result<Def, Error> {
        let Some(item) = self.items.get(name) else {
            return fail(format!(
                "{krate}::{name} is in the catalogue but not a public type of {krate}"
            ));
        };
        let file = self.file_of[name].display().to_string();
        match item {
            syn::Item::Struct(s) => {
                let syn::Fields::Named(named) = &s.fields else {
                    return fail(format!("{file}: {name} must have named fields"));
                };
                let fields = read_fields(&file, name, named, true)?;
                Ok(Def {
                    name: name.to_owned(),
                    krate,
                    docs: docs(&s.attrs),
                    shape: Shape::Record(fields),
                })
            }
            syn::Item::Enum(e) => {
                let strings = self.strings.get(name).cloned().unwrap_or_default();
                let fieldless = e.variants.iter().all(|v| matches!(v.fields, syn::Fields::Unit));
                let mut variants = Vec::new();
                for v in &e.variants {
                    let ident = v.ident.to_string();
                    let fields = match &v.fields {
                        syn::Fields::Unit => Vec::new(),
                        syn::Fields::Named(named) => read_fields(&file, name, named, false)?,
                        syn::Fields::Unnamed(_) => {
                            return fail(format!("{file}: {name}::{ident} has unnamed fields; name them"))
                        }
                    };
                    let value = match strings.get(&ident) {
                        Some(value) => value.clone(),
                        None if fieldless => {
                            return fail(format!("{file}: {name}::as_str() has no arm for {ident}"));
                        }
                        None => ident.to_lowercase(),
                    };
                    variants.push(Variant {
                        ident,
                        docs: docs(&v.attrs),
                        value,
                        fields,
                    });
                }
                let shape = if fieldless {
                    Shape::Enum {
                        variants,
                        non_exhaustive: e.attrs.iter().any(|a| a.path().is_ident("non_exhaustive")),
                    }
                } else {
                    Shape::Union(variants)
                };
                Ok(Def {
                    name: name.to_owned(),
                    krate,
                    docs: docs(&e.attrs),
                    shape,
                })
            }
            _ => fail(format!("{file}: {name} is neither a struct nor an enum")),
        }
    }
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error(format!("{}: {e}", dir.display())))?;
    for entry in entries {
        let path = entry.map_err(|e| Error(e.to_string()))?.path();
        if path.is_dir() {
            collect_rs(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// `Variant => "string"` (or `Type::Variant { .. } => "string"`) arms of the method's match.
fn match_arms(block: &syn::Block) -> Vec<(String, String)> {
    let mut arms = Vec::new();
    for stmt in &block.stmts {
        let expr = match stmt {
            syn::Stmt::Expr(expr, _) => expr,
            _ => continue,
        };
        let syn::Expr::Match(m) = expr else { continue };
        for arm in &m.arms {
            let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(value),
                ..
            }) = &*arm.body
            else {
                continue;
            };
            let path = match &arm.pat {
                syn::Pat::Path(p) => &p.path,
                syn::Pat::Ident(i) => {
                    arms.push((i.ident.to_string(), value.value()));
                    continue;
                }
                syn::Pat::Struct(s) => &s.path,
                syn::Pat::TupleStruct(t) => &t.path,
                _ => continue,
            };
            if let Some(last) = path.segments.last() {
                arms.push((last.ident.to_string(), value.value()));
            }
        }
    }
    arms
}

/// The doc comment's lines, with the one leading space rustdoc adds removed.
pub fn docs(attrs: &[syn::Attribute]) -> Vec<String> {
    let mut lines = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) = &nv.value
            {
                let text = text.value();
                for line in text.lines() {
                    lines.push(line.strip_prefix(' ').unwrap_or(line).trim_end().to_owned());
                }
            }
        }
    }
    lines
}

/// The fields of a struct (each must be `pub`: the bindings read them) or of an enum variant.
fn read_fields(file: &str, owner: &str, named: &syn::FieldsNamed, of_struct: bool) -> Result<Vec<Field>, Error> {
    let mut fields = Vec::new();
    for f in &named.named {
        let name = f.ident.as_ref().map(ToString::to_string).unwrap_or_default();
        if of_struct && !is_pub(&f.vis) {
            return fail(format!("{file}: {owner}.{name} is not public"));
        }
        let ty = read_ty(&f.ty).map_err(|e| Error(format!("{file}: {owner}.{name}: {}", e.0)))?;
        fields.push(Field {
            name,
            docs: docs(&f.attrs),
            ty,
        });
    }
    Ok(fields)
}

fn read_ty(ty: &syn::Type) -> Result<Ty, Error> {
    let syn::Type::Path(p) = ty else {
        return fail("only named types cross into the bindings");
    };
    let Some(last) = p.path.segments.last() else {
        return fail("empty type path");
    };
    let arg = || -> Result<Ty, Error> {
        match &last.arguments {
            syn::PathArguments::AngleBracketed(args) => match args.args.first() {
                Some(syn::GenericArgument::Type(inner)) => read_ty(inner),
                _ => fail("expected a type argument"),
            },
            _ => fail("expected a type argument"),
        }
    };
    Ok(match last.ident.to_string().as_str() {
        "String" => Ty::Str,
        "bool" => Ty::Bool,
        "u16" => Ty::U16,
        "u32" => Ty::U32,
        "Decimal" => Ty::Decimal,
        "DateTime" => Ty::Timestamp,
        "NaiveDate" => Ty::Date,
        "Duration" => Ty::Duration,
        "Secret" => Ty::Secret,
        "Value" => Ty::Json,
        "Option" => Ty::Opt(Box::new(arg()?)),
        "Vec" => Ty::List(Box::new(arg()?)),
        other if other.starts_with(|c: char| c.is_ascii_uppercase()) => Ty::Named(other.to_owned()),
        other => return fail(format!("the type {other} has no mapping in tools/bindgen (model.rs)")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn krate(source: &str) -> Crate {
        let mut krate = Crate::default();
        for item in syn::parse_file(source).expect("valid Rust").items {
            krate.add(item, Path::new("test.rs"));
        }
        krate
    }

    #[test]
    fn an_enum_takes_its_strings_from_as_str() {
        let k = krate(
            r#"
            /// Doc.
            #[non_exhaustive]
            pub enum Mode { Light, TradeIfAvailable }
            impl Mode {
                pub fn as_str(self) -> &'static str {
                    match self { Mode::Light => "light", Mode::TradeIfAvailable => "trade-if-available" }
                }
            }"#,
        );
        let def = k.def("brokerlink", "Mode").expect("defined");
        let values: Vec<&str> = def.variants().iter().map(|v| v.value.as_str()).collect();
        assert_eq!(values, ["light", "trade-if-available"]);
        assert!(matches!(
            def.shape,
            Shape::Enum {
                non_exhaustive: true,
                ..
            }
        ));
        assert_eq!(def.docs, ["Doc."]);
        assert_eq!(k.functions, ["as_str"]);
    }

    #[test]
    fn a_variant_without_a_string_or_a_type_without_a_mapping_is_an_error() {
        let k = krate("pub enum Mode { Light } impl Mode { pub fn as_str(self) -> &'static str { \"x\" } }");
        assert!(k.def("brokerlink", "Mode").unwrap_err().0.contains("no arm for Light"));
        let k = krate("pub struct Price { pub value: f64 }");
        assert!(k
            .def("brokerlink", "Price")
            .unwrap_err()
            .0
            .contains("f64 has no mapping"));
        let k = krate("pub struct Hidden { value: String }");
        assert!(k.def("brokerlink", "Hidden").unwrap_err().0.contains("not public"));
    }

    #[test]
    fn field_types_nest() {
        let k = krate("pub struct A { pub when: Option<DateTime<Utc>>, pub tags: Vec<Option<Money>> }");
        let def = k.def("brokerlink", "A").expect("defined");
        assert_eq!(def.fields()[0].ty, Ty::Opt(Box::new(Ty::Timestamp)));
        assert_eq!(
            def.fields()[1].ty,
            Ty::List(Box::new(Ty::Opt(Box::new(Ty::Named("Money".into())))))
        );
    }
}
