//! `bindings-node/src/generated.rs` (napi objects and unions with their conversions) and the
//! core's enums as TypeScript string unions in `dts-header.d.ts`. napi writes `index.d.ts` from
//! the Rust side.

use crate::catalog::Lang;
use crate::model::{Field, Shape, Ty, Variant};
use crate::names::{doc_lines, init, rust_docs, snake, Casing};
use crate::{Catalog, Item};
use std::fmt::Write;

pub fn render(catalog: &Catalog) -> String {
    let fields = catalog.field_names();
    let docs = |lines: &[String], indent: &str| rust_docs(&doc_lines(lines, Casing::Camel, &fields), indent);
    let mut out = String::from(crate::uniffi::HEADER);
    out.push_str(
        "use napi::bindgen_prelude::{FromNapiValue, Object, ToNapiValue};\nuse napi::Env;\nuse napi_derive::napi;\n\n",
    );
    let mut parsed_enums = Vec::new();
    for item in catalog.for_lang(Lang::Node) {
        match &item.def.shape {
            Shape::Enum { .. } => {}
            Shape::Record(record) => {
                render_record(&mut out, catalog, item, record, &docs);
                if item.entry.writes() {
                    for f in record {
                        if let Some(name) = f.ty.named() {
                            if catalog.get(name).def.is_enum() && !parsed_enums.contains(&name) {
                                parsed_enums.push(name);
                            }
                        }
                    }
                }
            }
            Shape::Union(variants) => render_union(&mut out, item, variants, &docs),
        }
    }
    for name in parsed_enums {
        render_enum_parse(&mut out, &catalog.get(name).def);
    }
    if !out.contains("Object<") {
        out = out.replace(
            "use napi::bindgen_prelude::{FromNapiValue, Object, ToNapiValue};\nuse napi::Env;\n",
            "",
        );
    }
    out
}

/// The field's name on the Rust side (napi camel-cases it): durations carry their unit.
fn js_field(field: &Field) -> String {
    if field.ty.holds(&Ty::Duration) {
        format!("{}_ms", field.name)
    } else {
        field.name.clone()
    }
}

/// Whether records of these fields read the same through JSON as through napi: every value is
/// a string, number, boolean, `null`, array or such a record (no `Date`, no credential, no
/// union), so `JSON.parse` of the serialised record is the object napi would have built.
fn plain_json(catalog: &Catalog, fields: &[Field]) -> bool {
    fields.iter().all(|f| {
        let scalar = |ty: &Ty| !matches!(ty, Ty::Timestamp | Ty::Secret | Ty::Json | Ty::Duration);
        let mut ty = &f.ty;
        while let Ty::Opt(inner) | Ty::List(inner) = ty {
            ty = inner;
        }
        match ty {
            Ty::Named(name) => {
                let def = &catalog.get(name).def;
                def.is_enum() || matches!(&def.shape, Shape::Record(inner) if plain_json(catalog, inner))
            }
            other => scalar(other),
        }
    })
}

/// The Rust type napi converts, and the TypeScript type to declare instead of napi's own.
fn js_ty(catalog: &Catalog, ty: &Ty) -> (String, Option<String>) {
    match ty {
        Ty::Str | Ty::Decimal | Ty::Secret | Ty::Date => ("String".into(), None),
        Ty::Bool => ("bool".into(), None),
        Ty::U16 | Ty::U32 => ("u32".into(), None),
        Ty::Timestamp => ("chrono::DateTime<chrono::Utc>".into(), None),
        Ty::Duration => ("f64".into(), None),
        Ty::Json => ("serde_json::Value".into(), Some("unknown".into())),
        Ty::Opt(inner) => {
            let (rust, ts) = js_ty(catalog, inner);
            (format!("Option<{rust}>"), ts)
        }
        Ty::List(inner) => {
            let (rust, ts) = js_ty(catalog, inner);
            (format!("Vec<{rust}>"), ts.map(|t| format!("Array<{t}>")))
        }
        Ty::Named(name) if catalog.get(name).def.is_enum() => ("String".into(), Some(name.clone())),
        Ty::Named(name) => (name.clone(), None),
    }
}

/// `value` (owned, the core's type) as the JavaScript side's Rust type.
fn to_js(catalog: &Catalog, value: &str, ty: &Ty) -> String {
    match ty {
        Ty::Str | Ty::Bool | Ty::U32 | Ty::Timestamp | Ty::Json => value.to_owned(),
        Ty::U16 => format!("u32::from({value})"),
        Ty::Decimal => format!("{value}.to_string()"),
        Ty::Date => format!("{value}.format(\"%Y-%m-%d\").to_string()"),
        Ty::Duration => format!("{value}.as_secs_f64() * 1000.0"),
        Ty::Secret => format!("{value}.expose().to_owned()"),
        Ty::Named(name) if catalog.get(name).def.is_enum() => format!("{value}.as_str().to_owned()"),
        Ty::Named(name) => format!("{name}::from({value})"),
        Ty::Opt(inner) => match to_js(catalog, "v", inner) {
            same if same == "v" => value.to_owned(),
            converted => format!("{value}.map({})", closure(&converted)),
        },
        Ty::List(inner) => match to_js(catalog, "v", inner) {
            same if same == "v" => value.to_owned(),
            converted => format!("{value}.into_iter().map({}).collect()", closure(&converted)),
        },
    }
}

/// A closure over `v` computing `body`, or the function itself when the body only calls one.
fn closure(body: &str) -> String {
    match body.strip_suffix("(v)") {
        Some(function) if !function.contains(['(', ' ', '.']) || function.ends_with("::from") => function.to_owned(),
        _ => format!("|v| {body}"),
    }
}

/// `value` (owned, the JavaScript side's type) as the core's type; may use `?` (the caller
/// returns `brokerlink::Result`). `field` names the input in errors.
fn from_js(catalog: &Catalog, value: &str, ty: &Ty, field: &str) -> String {
    let f = crate::names::rust_str(field);
    match ty {
        Ty::Str | Ty::Bool | Ty::U32 | Ty::Timestamp => value.to_owned(),
        Ty::U16 => format!(
            "u16::try_from({value}).map_err(|_| brokerlink::Error::invalid_input({f}, \"must be at most 65535\"))?"
        ),
        Ty::Decimal => format!(
            "brokerlink::Decimal::from_str_exact(&{value}).map_err(|_| brokerlink::Error::invalid_input({f}, \"is not a decimal number\"))?"
        ),
        Ty::Duration => format!("brokerlink::duration_from_millis({f}, {value})?"),
        Ty::Date => format!(
            "brokerlink::NaiveDate::parse_from_str(&{value}, \"%Y-%m-%d\").map_err(|_| brokerlink::Error::invalid_input({f}, \"is not a date as YYYY-MM-DD\"))?"
        ),
        Ty::Secret => format!("brokerlink::Secret::new({value})"),
        Ty::Json => panic!("{field}: raw JSON does not cross inwards"),
        Ty::Named(name) if catalog.get(name).def.is_enum() => {
            format!("{}_from({f}, &{value})?", snake(name))
        }
        Ty::Named(name) => format!("{}::try_from({value})?", catalog.get(name).def.path()),
        Ty::Opt(inner) => match from_js(catalog, "v", inner, field) {
            same if same == "v" => value.to_owned(),
            converted => format!("match {value} {{ Some(v) => Some({converted}), None => None }}"),
        },
        Ty::List(inner) => match from_js(catalog, "v", inner, field) {
            same if same == "v" => value.to_owned(),
            converted => format!(
                "{value}.into_iter().map(|v| Ok({converted})).collect::<brokerlink::Result<Vec<_>>>()?"
            ),
        },
    }
}

fn field_line(out: &mut String, catalog: &Catalog, f: &Field, docs: &dyn Fn(&[String], &str) -> String) {
    let mut lines = f.docs.clone();
    if f.ty.holds(&Ty::Secret) {
        lines.push("A credential: `util.inspect` shows it as `***`.".into());
    }
    if f.ty.holds(&Ty::Date) {
        lines.push("An ISO 8601 calendar date, `YYYY-MM-DD`.".into());
    }
    if f.ty.holds(&Ty::Decimal) {
        lines.push("An exact decimal literal (`\"15363.23\"`), never a binary float: hand it to a decimal".into());
        lines.push("library, not to `Number`, before doing arithmetic.".into());
    }
    out.push_str(&docs(&lines, "    "));
    let (rust, ts) = js_ty(catalog, &f.ty);
    if let Some(ts) = ts {
        let _ = writeln!(out, "    #[napi(ts_type = {})]", crate::names::rust_str(&ts));
    }
    let _ = writeln!(out, "    pub {}: {rust},", js_field(f));
}

fn render_record(
    out: &mut String,
    catalog: &Catalog,
    item: &Item,
    fields: &[Field],
    docs: &dyn Fn(&[String], &str) -> String,
) {
    let def = &item.def;
    let name = &def.name;
    let core = def.path();
    out.push_str(&docs(&def.docs, ""));
    // Results and values handed back say `null` for an absent value; arguments may omit it.
    if item.entry.reads() {
        out.push_str("#[napi(object, use_nullable = true)]\n");
    } else {
        out.push_str("#[napi(object)]\n");
    }
    if item.entry.reads() && plain_json(catalog, fields) {
        // Long lists of these cross as JSON text for V8's `JSON.parse` (`types::parsed`).
        out.push_str("#[derive(Debug, Clone, serde::Serialize)]\n#[serde(rename_all = \"camelCase\")]\n");
    } else {
        out.push_str("#[derive(Debug, Clone)]\n");
    }
    let _ = writeln!(out, "pub struct {name} {{");
    for f in fields {
        field_line(out, catalog, f, docs);
    }
    out.push_str("}\n\n");
    let bound: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    if item.entry.reads() {
        let _ = writeln!(
            out,
            "impl From<{core}> for {name} {{\n    fn from(value: {core}) -> Self {{\n        let {core} {{ {} }} = value;\n        {name} {{",
            bound.join(", ")
        );
        for f in fields {
            let _ = writeln!(
                out,
                "            {},",
                init(&js_field(f), &to_js(catalog, &f.name, &f.ty))
            );
        }
        out.push_str("        }\n    }\n}\n\n");
    }
    if item.entry.reads() && def.has_secret() {
        let hidden: Vec<String> = fields
            .iter()
            .filter(|f| f.ty.holds(&Ty::Secret))
            .map(|f| match &f.ty {
                Ty::Secret => format!("{}: \"***\".to_owned()", f.name),
                Ty::Opt(inner) if **inner == Ty::Secret => {
                    format!("{0}: self.{0}.as_ref().map(|_| \"***\".to_owned())", f.name)
                }
                other => panic!("{name}.{}: a {other:?} of secrets is not supported", f.name),
            })
            .collect();
        let _ = writeln!(
            out,
            "impl {name} {{\n    /// As a plain object whose `util.inspect` form shows every credential as `***`.\n    pub(crate) fn into_js(self, env: &Env) -> napi::Result<Object<'_>> {{\n        let shown = {name} {{ {}, ..self.clone() }};\n        let mut object = Object::from_unknown(self.into_unknown(env)?)?;\n        crate::types::inspect_as(env, &mut object, shown)?;\n        Ok(object)\n    }}\n}}\n",
            hidden.join(", ")
        );
    }
    if item.entry.writes() {
        let js_bound: Vec<String> = fields.iter().map(js_field).collect();
        let _ = writeln!(
            out,
            "impl TryFrom<{name}> for {core} {{\n    type Error = brokerlink::Error;\n\n    fn try_from(value: {name}) -> brokerlink::Result<Self> {{\n        let {name} {{ {} }} = value;\n        Ok({core} {{",
            js_bound.join(", ")
        );
        for f in fields {
            let value = from_js(catalog, &js_field(f), &f.ty, &js_field(f));
            let _ = writeln!(out, "            {},", init(&f.name, &value));
        }
        out.push_str("        })\n    }\n}\n\n");
    }
}

fn render_union(out: &mut String, item: &Item, variants: &[Variant], docs: &dyn Fn(&[String], &str) -> String) {
    let def = &item.def;
    let name = &def.name;
    let core = def.path();
    for v in variants {
        assert_eq!(
            v.value,
            v.ident.to_lowercase(),
            "{name}::{}: napi tags a variant with its lower-cased name",
            v.ident
        );
    }
    out.push_str(&docs(&def.docs, ""));
    out.push_str("#[napi(discriminant = \"type\", discriminant_case = \"lowercase\", use_nullable = true)]\n");
    out.push_str("#[derive(Debug, Clone)]\n");
    let _ = writeln!(out, "pub enum {name} {{");
    for v in variants {
        out.push_str(&docs(&v.docs, "    "));
        if v.fields.is_empty() {
            let _ = writeln!(out, "    {},", v.ident);
        } else {
            let _ = writeln!(out, "    {} {{", v.ident);
            for f in &v.fields {
                // napi has no 16-bit integers.
                let rust = match &f.ty {
                    Ty::Opt(inner) if **inner == Ty::U16 => "Option<u32>".to_owned(),
                    Ty::U16 => "u32".to_owned(),
                    other => rust_plain(other),
                };
                let _ = writeln!(out, "        {}: {rust},", f.name);
            }
            out.push_str("    },\n");
        }
    }
    out.push_str("}\n\n");
    let _ = writeln!(
        out,
        "impl From<{core}> for {name} {{\n    fn from(value: {core}) -> Self {{\n        match value {{"
    );
    for v in variants {
        if v.fields.is_empty() {
            let _ = writeln!(out, "            {core}::{0} => {name}::{0},", v.ident);
        } else {
            let bound: Vec<&str> = v.fields.iter().map(|f| f.name.as_str()).collect();
            let built: Vec<String> = v
                .fields
                .iter()
                .map(|f| match &f.ty {
                    Ty::U16 => format!("{0}: u32::from({0})", f.name),
                    Ty::Opt(inner) if **inner == Ty::U16 => format!("{0}: {0}.map(u32::from)", f.name),
                    _ => f.name.clone(),
                })
                .collect();
            let _ = writeln!(
                out,
                "            {core}::{0} {{ {1} }} => {name}::{0} {{ {2} }},",
                v.ident,
                bound.join(", "),
                built.join(", ")
            );
        }
    }
    out.push_str("        }\n    }\n}\n\n");
}

fn rust_plain(ty: &Ty) -> String {
    match ty {
        Ty::Str => "String".into(),
        Ty::Bool => "bool".into(),
        Ty::U32 => "u32".into(),
        Ty::Opt(inner) => format!("Option<{}>", rust_plain(inner)),
        other => panic!("{other:?} in a union's variant is not supported (tools/bindgen/src/node.rs)"),
    }
}

/// The core enum from its stable string, for an argument that names it.
fn render_enum_parse(out: &mut String, def: &crate::model::Def) {
    let values: Vec<&str> = def.variants().iter().map(|v| v.value.as_str()).collect();
    let _ = writeln!(
        out,
        "/// `{0}` from its stable string; another word is `invalid_input` naming `field`.\nfn {1}_from(field: &str, value: &str) -> brokerlink::Result<{0}> {{\n    {0}::ALL\n        .into_iter()\n        .find(|v| v.as_str() == value)\n        .ok_or_else(|| brokerlink::Error::invalid_input(field, format!(\"unknown value {{value:?}} (expected {2})\")))\n}}\n",
        def.path(),
        snake(&def.name),
        values.join(", ")
    );
}

/// The core's enums as TypeScript string unions, for the region of `dts-header.d.ts` that
/// the generator owns.
pub fn render_ts(catalog: &Catalog) -> String {
    let fields = catalog.field_names();
    let mut out = String::new();
    for item in catalog.for_lang(Lang::Node) {
        if !item.def.is_enum() {
            continue;
        }
        out.push_str(&js_doc(&doc_lines(&item.def.docs, Casing::Camel, &fields), ""));
        let values: Vec<String> = item.def.variants().iter().map(|v| format!("'{}'", v.value)).collect();
        let line = format!("export type {} = {}", item.def.name, values.join(" | "));
        if line.len() <= 100 {
            let _ = writeln!(out, "{line}");
        } else {
            let _ = writeln!(out, "export type {} =", item.def.name);
            for v in &values {
                let _ = writeln!(out, "  | {v}");
            }
        }
        out.push('\n');
    }
    out
}

/// A JSDoc comment of `lines`, or nothing.
pub fn js_doc(lines: &[String], indent: &str) -> String {
    match lines {
        [] => String::new(),
        [one] => format!("{indent}/** {one} */\n"),
        many => {
            let mut out = format!("{indent}/**\n");
            for l in many {
                if l.is_empty() {
                    let _ = writeln!(out, "{indent} *");
                } else {
                    let _ = writeln!(out, "{indent} * {l}");
                }
            }
            let _ = writeln!(out, "{indent} */");
            out
        }
    }
}
