//! `bindings-python/src/generated.rs` (frozen classes with properties, `repr` and `to_dict`, the
//! `str` enums, one class per union variant), their stubs in `_native.pyi`, and the package's
//! re-export list in `__init__.py`.

use crate::catalog::Lang;
use crate::model::{Def, Field, Shape, Ty, Variant};
use crate::names::{doc_lines, python_member, rust_docs, rust_str, snake, Casing};
use crate::{Catalog, Item};
use std::fmt::Write;

pub fn render(catalog: &Catalog) -> String {
    let fields = catalog.field_names();
    let docs = |lines: &[String], indent: &str| rust_docs(&doc_lines(lines, Casing::Snake, &fields), indent);
    let mut out = String::from(crate::uniffi::HEADER);
    out.push_str(
        "use crate::enums;\nuse crate::types::{dict_of, repr_of};\nuse pyo3::prelude::*;\nuse pyo3::types::{PyDict, PyList, PyType};\nuse pyo3::IntoPyObjectExt;\n\n",
    );
    render_enums(&mut out, catalog, &fields);
    for item in catalog.for_lang(Lang::Python) {
        match &item.def.shape {
            Shape::Enum { .. } => {}
            Shape::Record(record) => render_record(&mut out, catalog, item, record, &docs),
            Shape::Union(variants) => render_union(&mut out, item, variants, &docs),
        }
    }
    out.push_str("/// Adds every generated class to the module.\npub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {\n");
    for item in catalog.for_lang(Lang::Python).filter(|i| !i.def.is_enum()) {
        let _ = writeln!(out, "    m.add_class::<{}>()?;", item.def.name);
    }
    out.push_str("    Ok(())\n}\n");
    if !out.contains("PyList::") {
        out = out.replace(
            "use pyo3::types::{PyDict, PyList, PyType};",
            "use pyo3::types::{PyDict, PyType};",
        );
    }
    out
}

fn enums_of(catalog: &Catalog) -> impl Iterator<Item = &Item> {
    catalog.for_lang(Lang::Python).filter(|i| i.def.is_enum())
}

fn render_enums(out: &mut String, catalog: &Catalog, fields: &[String]) {
    out.push_str("/// The core's enums as Python `str` enum classes, built at import from the core's own `ALL`\n/// lists and `as_str()` values, so they cannot drift.\n#[derive(Debug)]\npub struct Enums {\n");
    for item in enums_of(catalog) {
        let _ = writeln!(out, "    pub {}: Py<PyType>,", snake(&item.def.name));
    }
    out.push_str(
        "}\n\nimpl Enums {\n    pub(crate) fn build(py: Python<'_>) -> PyResult<Enums> {\n        Ok(Enums {\n",
    );
    for item in enums_of(catalog) {
        let path = item.def.path();
        let doc = doc_lines(&item.def.docs, Casing::Snake, fields).join("\n");
        let _ = writeln!(
            out,
            "            {}: enums::make(py, {}, &{path}::ALL.map({path}::as_str), {})?.unbind(),",
            snake(&item.def.name),
            rust_str(&item.def.name),
            rust_str(&doc)
        );
    }
    out.push_str("        })\n    }\n\n");
    let count = enums_of(catalog).count();
    let _ = writeln!(
        out,
        "    pub(crate) fn classes(&self) -> [&Py<PyType>; {count}] {{\n        ["
    );
    for item in enums_of(catalog) {
        let _ = writeln!(out, "            &self.{},", snake(&item.def.name));
    }
    out.push_str("        ]\n    }\n}\n\n");
}

/// An expression of type `PyResult<Bound<'py, PyAny>>` for `value`: a place of the core's type
/// `ty`, or a reference to one (`is_ref`).
fn to_py(catalog: &Catalog, value: &str, is_ref: bool, ty: &Ty) -> String {
    let copied = if is_ref {
        format!("(*{value})")
    } else {
        value.to_owned()
    };
    let borrowed = if is_ref { value.to_owned() } else { format!("&{value}") };
    match ty {
        Ty::Str => format!("{value}.as_str().into_bound_py_any(py)"),
        Ty::Bool | Ty::U16 | Ty::U32 | Ty::Decimal | Ty::Timestamp | Ty::Date => {
            format!("{copied}.into_bound_py_any(py)")
        }
        Ty::Duration => format!("{value}.as_secs_f64().into_bound_py_any(py)"),
        Ty::Secret => format!("{value}.expose().into_bound_py_any(py)"),
        Ty::Json => format!("crate::args::from_json(py, {borrowed})"),
        Ty::Named(name) if catalog.get(name).def.is_enum() => format!(
            "enums::member(py, &enums::get(py)?.{}, {value}.as_str())",
            snake(name)
        ),
        Ty::Named(name) => format!("{name}::from({value}.clone()).into_bound_py_any(py)"),
        Ty::Opt(inner) => format!(
            "match {borrowed} {{ Some(v) => {}, None => Ok(py.None().into_bound(py)) }}",
            to_py(catalog, "v", true, inner)
        ),
        Ty::List(inner) => format!(
            "{value}.iter().map(|v| {}).collect::<PyResult<Vec<_>>>().and_then(|items| PyList::new(py, items)).map(Bound::into_any)",
            to_py(catalog, "v", true, inner)
        ),
    }
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
    let _ = writeln!(
        out,
        "#[pyclass(frozen, eq, module = \"brokerlink\")]\n#[derive(Debug, Clone, PartialEq)]\npub struct {name} {{\n    pub(crate) inner: {core},\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl From<{core}> for {name} {{\n    fn from(inner: {core}) -> Self {{\n        {name} {{ inner }}\n    }}\n}}\n"
    );
    let _ = writeln!(out, "#[pymethods]\nimpl {name} {{");
    if item.entry.writes() {
        render_constructor(out, item, fields);
    }
    for f in fields {
        out.push_str(&docs(&f.docs, "    "));
        let _ = writeln!(
            out,
            "    #[getter]\n    fn {0}<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {{\n        {1}\n    }}\n",
            f.name,
            to_py(catalog, &format!("self.inner.{}", f.name), false, &f.ty)
        );
    }
    let hidden = if def.has_secret() {
        ", credentials shown as `***`"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {{\n        repr_of({}, self.fields(py, false)?)\n    }}\n",
        rust_str(name)
    );
    let _ = writeln!(
        out,
        "    /// Every field, nested values as dicts (credentials included: a dict is for storing).\n    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {{\n        dict_of(py, self.fields(py, true)?)\n    }}\n}}\n"
    );
    let uses_reveal = fields.iter().any(|f| f.ty.holds(&Ty::Secret) || f.ty.holds(&Ty::Json));
    let reveal = if uses_reveal { "reveal" } else { "_reveal" };
    let _ = writeln!(
        out,
        "impl {name} {{\n    /// The fields by name; without `reveal` (for `repr`) raw JSON is left out{hidden}.\n    fn fields<'py>(&self, py: Python<'py>, {reveal}: bool) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {{"
    );
    let (raw, listed): (Vec<&Field>, Vec<&Field>) = fields.iter().partition(|f| f.ty.holds(&Ty::Json));
    let mut elements = Vec::new();
    for f in listed {
        let getter = format!("self.{}(py)?", f.name);
        let value = if f.ty == Ty::Secret {
            format!("if reveal {{ {getter} }} else {{ \"***\".into_bound_py_any(py)? }}")
        } else if f.ty == Ty::Opt(Box::new(Ty::Secret)) {
            format!(
                "if reveal || self.inner.{}.is_none() {{ {getter} }} else {{ \"***\".into_bound_py_any(py)? }}",
                f.name
            )
        } else if f.ty.holds(&Ty::Secret) {
            panic!("{name}.{}: only a secret or an optional secret is supported", f.name)
        } else {
            getter
        };
        elements.push(format!("({}, {value})", rust_str(&f.name)));
    }
    if raw.is_empty() {
        let _ = writeln!(out, "        Ok(vec![{}])", elements.join(", "));
    } else {
        // Raw JSON last: it can be large, and `repr` leaves it out.
        let _ = writeln!(out, "        let mut fields = vec![{}];", elements.join(", "));
        for f in raw {
            let _ = writeln!(
                out,
                "        if reveal {{\n            fields.push(({}, self.{}(py)?));\n        }}",
                rust_str(&f.name),
                f.name
            );
        }
        out.push_str("        Ok(fields)\n");
    }
    out.push_str("    }\n}\n\n");
}

/// A keyword-only `__init__` for a record callers hand back (stored values rebuilt): required
/// fields first, optional ones default to `None`.
fn render_constructor(out: &mut String, item: &Item, fields: &[Field]) {
    let (required, optional): (Vec<&Field>, Vec<&Field>) = fields.iter().partition(|f| !matches!(f.ty, Ty::Opt(_)));
    let signature: Vec<String> = required
        .iter()
        .map(|f| f.name.clone())
        .chain(optional.iter().map(|f| format!("{} = None", f.name)))
        .collect();
    let params: Vec<String> = fields
        .iter()
        .map(|f| format!("{}: {}", f.name, constructor_rust(&f.ty)))
        .collect();
    let values: Vec<String> = fields
        .iter()
        .map(|f| match into_core(&f.name, &f.ty) {
            value if value == f.name => value,
            value => format!("{}: {value}", f.name),
        })
        .collect();
    let _ = writeln!(
        out,
        "    #[new]\n    #[pyo3(signature = (*, {}))]\n    #[allow(clippy::too_many_arguments)]\n    fn new({}) -> Self {{\n        {} {{\n            inner: {} {{ {} }},\n        }}\n    }}\n",
        signature.join(", "),
        params.join(", "),
        item.def.name,
        item.def.path(),
        values.join(", ")
    );
}

/// The Rust type a constructor takes for a field of the core's type `ty`.
fn constructor_rust(ty: &Ty) -> String {
    match ty {
        Ty::Str | Ty::Secret => "String".into(),
        Ty::Timestamp => "chrono::DateTime<chrono::Utc>".into(),
        Ty::Bool => "bool".into(),
        Ty::Opt(inner) => format!("Option<{}>", constructor_rust(inner)),
        other => panic!("{other:?} in a constructor is not supported (tools/bindgen/src/python.rs)"),
    }
}

fn into_core(name: &str, ty: &Ty) -> String {
    match ty {
        Ty::Secret => format!("brokerlink::Secret::new({name})"),
        Ty::Opt(inner) if **inner == Ty::Secret => format!("{name}.map(brokerlink::Secret::new)"),
        _ => name.to_owned(),
    }
}

fn plain_rust(ty: &Ty) -> String {
    match ty {
        Ty::Str => "String".into(),
        Ty::Bool => "bool".into(),
        Ty::U16 => "u16".into(),
        Ty::U32 => "u32".into(),
        Ty::Opt(inner) => format!("Option<{}>", plain_rust(inner)),
        other => panic!("{other:?} in a union's variant is not supported (tools/bindgen/src/python.rs)"),
    }
}

fn render_union(out: &mut String, item: &Item, variants: &[Variant], docs: &dyn Fn(&[String], &str) -> String) {
    let def = &item.def;
    let name = &def.name;
    let core = def.path();
    out.push_str(&docs(&def.docs, ""));
    let _ = writeln!(
        out,
        "#[pyclass(frozen, eq, module = \"brokerlink\")]\n#[derive(Debug, Clone, PartialEq)]\npub enum {name} {{"
    );
    for v in variants {
        out.push_str(&docs(&v.docs, "    "));
        let fields: Vec<String> = v
            .fields
            .iter()
            .map(|f| format!("{}: {}", f.name, plain_rust(&f.ty)))
            .collect();
        // pyo3 makes each variant a class; `{}` keeps the fieldless ones constructible alike.
        let _ = writeln!(out, "    {} {{ {} }},", v.ident, fields.join(", "));
    }
    out.push_str("}\n\n");
    let _ = writeln!(
        out,
        "impl From<{core}> for {name} {{\n    fn from(value: {core}) -> Self {{\n        match value {{"
    );
    for v in variants {
        let bound: Vec<&str> = v.fields.iter().map(|f| f.name.as_str()).collect();
        if v.fields.is_empty() {
            let _ = writeln!(out, "            {core}::{0} => {name}::{0} {{}},", v.ident);
        } else {
            let _ = writeln!(
                out,
                "            {core}::{0} {{ {1} }} => {name}::{0} {{ {1} }},",
                v.ident,
                bound.join(", ")
            );
        }
    }
    out.push_str("        }\n    }\n}\n\n");
    let tags: Vec<&str> = variants.iter().map(|v| v.value.as_str()).collect();
    let _ = writeln!(
        out,
        "#[pymethods]\nimpl {name} {{\n    /// {}.\n    #[getter(r#type)]\n    fn kind(&self) -> &'static str {{\n        match self {{",
        tags.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
    );
    for v in variants {
        let _ = writeln!(
            out,
            "            {name}::{} {{ .. }} => {},",
            v.ident,
            rust_str(&v.value)
        );
    }
    out.push_str("        }\n    }\n\n");
    let _ = writeln!(
        out,
        "    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {{\n        repr_of({}, self.fields(py)?)\n    }}\n\n    /// `type` and the fields of the variant.\n    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {{\n        dict_of(py, self.fields(py)?)\n    }}\n}}\n",
        rust_str(name)
    );
    let _ = writeln!(
        out,
        "impl {name} {{\n    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {{\n        let mut fields = vec![(\"type\", self.kind().into_bound_py_any(py)?)];\n        match self {{"
    );
    for v in variants {
        let bound: Vec<&str> = v.fields.iter().map(|f| f.name.as_str()).collect();
        let _ = writeln!(out, "            {name}::{} {{ {} }} => {{", v.ident, bound.join(", "));
        for f in &v.fields {
            let owned = match &f.ty {
                Ty::Str | Ty::Opt(_) if f.ty.holds(&Ty::Str) => format!("{}.clone()", f.name),
                _ => format!("(*{})", f.name),
            };
            let _ = writeln!(
                out,
                "                fields.push(({}, {owned}.into_bound_py_any(py)?));",
                rust_str(&f.name)
            );
        }
        out.push_str("            }\n");
    }
    out.push_str("        }\n        Ok(fields)\n    }\n}\n\n");
}

fn py_ty(ty: &Ty) -> String {
    match ty {
        Ty::Str | Ty::Secret => "str".into(),
        Ty::Bool => "bool".into(),
        Ty::U16 | Ty::U32 => "int".into(),
        Ty::Decimal => "Decimal".into(),
        Ty::Timestamp => "datetime".into(),
        Ty::Date => "date".into(),
        Ty::Duration => "float".into(),
        Ty::Json => "Any".into(),
        Ty::Opt(inner) => format!("{} | None", py_ty(inner)),
        Ty::List(inner) => format!("list[{}]", py_ty(inner)),
        Ty::Named(name) => name.clone(),
    }
}

/// A docstring at `indent`, or nothing.
fn docstring(lines: &[String], indent: &str) -> String {
    match lines {
        [] => String::new(),
        [one] => format!("{indent}\"\"\"{}\"\"\"\n", one.replace('`', "``")),
        many => {
            let mut out = format!("{indent}\"\"\"{}\n", many[0].replace('`', "``"));
            for l in &many[1..] {
                if l.is_empty() {
                    out.push('\n');
                } else {
                    let _ = writeln!(out, "{indent}{}", l.replace('`', "``"));
                }
            }
            let _ = writeln!(out, "{indent}\"\"\"");
            out
        }
    }
}

/// The stubs of everything generated, for the region of `_native.pyi` the generator owns.
pub fn render_stub(catalog: &Catalog) -> String {
    let names = catalog.field_names();
    let docs = |lines: &[String]| doc_lines(lines, Casing::Snake, &names);
    let mut out = String::new();
    for item in catalog.for_lang(Lang::Python) {
        let def = &item.def;
        match &def.shape {
            Shape::Enum { variants, .. } => {
                let _ = writeln!(out, "\nclass {}(str, Enum):", def.name);
                out.push_str(&docstring(&docs(&def.docs), "    "));
                out.push('\n');
                for v in variants {
                    let _ = writeln!(out, "    {} = {:?}", python_member(&v.value), v.value);
                }
            }
            Shape::Record(fields) => {
                let _ = writeln!(out, "\n@final\nclass {}:", def.name);
                out.push_str(&docstring(&docs(&def.docs), "    "));
                out.push('\n');
                if item.entry.writes() {
                    let (required, optional): (Vec<&Field>, Vec<&Field>) =
                        fields.iter().partition(|f| !matches!(f.ty, Ty::Opt(_)));
                    let params: Vec<String> = required
                        .iter()
                        .map(|f| format!("{}: {}", f.name, py_ty(&f.ty)))
                        .chain(optional.iter().map(|f| format!("{}: {} = None", f.name, py_ty(&f.ty))))
                        .collect();
                    let _ = writeln!(
                        out,
                        "    def __new__(\n        cls,\n        *,\n{}    ) -> {}: ...",
                        params.iter().map(|p| format!("        {p},\n")).collect::<String>(),
                        def.name
                    );
                }
                for f in fields {
                    let ty = py_ty(&f.ty);
                    let mut doc = docs(&f.docs);
                    if f.ty.holds(&Ty::Secret) {
                        doc.push("A credential: `repr` shows it as `***`.".into());
                    }
                    if doc.is_empty() {
                        let _ = writeln!(out, "    @property\n    def {}(self) -> {ty}: ...", f.name);
                    } else {
                        let _ = write!(
                            out,
                            "    @property\n    def {}(self) -> {ty}:\n{}",
                            f.name,
                            docstring(&doc, "        ")
                        );
                    }
                }
                out.push_str("    def to_dict(self) -> dict[str, Any]: ...\n");
            }
            Shape::Union(variants) => render_union_stub(&mut out, def, variants, &docs),
        }
    }
    out.push('\n');
    out
}

fn render_union_stub(out: &mut String, def: &Def, variants: &[Variant], docs: &dyn Fn(&[String]) -> Vec<String>) {
    let name = &def.name;
    let _ = writeln!(out, "\n@disjoint_base\nclass {name}:");
    out.push_str(&docstring(&docs(&def.docs), "    "));
    let tags: Vec<String> = variants.iter().map(|v| format!("{:?}", v.value)).collect();
    let _ = writeln!(
        out,
        "\n    @property\n    def type(self) -> Literal[{}]: ...\n    def to_dict(self) -> dict[str, Any]: ...",
        tags.join(", ")
    );
    for (i, v) in variants.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "    @final\n    class {}({name}):", v.ident);
        let match_args: Vec<String> = v.fields.iter().map(|f| format!("{:?}", f.name)).collect();
        let match_args = match match_args.len() {
            1 => format!("({},)", match_args[0]),
            _ => format!("({})", match_args.join(", ")),
        };
        let _ = writeln!(out, "        __match_args__ = {match_args}");
        let params: Vec<String> = v
            .fields
            .iter()
            .map(|f| format!(", {}: {}", f.name, py_ty(&f.ty)))
            .collect();
        let _ = writeln!(
            out,
            "        def __new__(cls{}) -> {name}.{}: ...",
            params.concat(),
            v.ident
        );
        for f in &v.fields {
            let _ = writeln!(
                out,
                "        @property\n        def {}(self) -> {}: ...",
                f.name,
                py_ty(&f.ty)
            );
        }
    }
}

/// stubtest's allowlist line for the `str` enums' `__new__` (see the file's comment).
pub fn render_allowlist(catalog: &Catalog) -> String {
    let names: Vec<&str> = enums_of(catalog).map(|i| i.def.name.as_str()).collect();
    format!("brokerlink\\._native\\.({})\\.__new__\n", names.join("|"))
}

/// `__init__.py` re-exporting every public name of the stub: its import list and `__all__`.
pub fn render_init(init: &str, stub: &str) -> Result<String, crate::model::Error> {
    let mut names: Vec<String> = stub
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("class ").or_else(|| line.strip_prefix("def "))?;
            let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
            Some(rest[..end].to_owned())
        })
        .filter(|name| !name.starts_with('_'))
        .collect();
    names.sort();
    names.dedup();
    let imports: String = names.iter().map(|n| format!("    {n},\n")).collect();
    let mut exported = names.clone();
    exported.push("__version__".into());
    exported.sort();
    let all: String = exported.iter().map(|n| format!("    \"{n}\",\n")).collect();
    let text = replace_block(init, "from brokerlink._native import (\n", ")\n", &imports)?;
    replace_block(&text, "__all__ = [\n", "]\n", &all)
}

fn replace_block(text: &str, open: &str, close: &str, body: &str) -> Result<String, crate::model::Error> {
    let start = text
        .find(open)
        .ok_or_else(|| crate::model::Error(format!("__init__.py: no {open:?}")))?
        + open.len();
    let end = start
        + text[start..]
            .find(close)
            .ok_or_else(|| crate::model::Error(format!("__init__.py: no {close:?} after {open:?}")))?;
    Ok(format!("{}{body}{}", &text[..start], &text[end..]))
}
