//! `brokerlink-bindgen`: writes each binding's mirror of the core's public types from the
//! core's own source, so a field, variant or doc line added in the core reaches Python, Node and
//! Kotlin/Swift without hand-copying. `scripts/bindgen` runs it; `scripts/bindgen --check`
//! (in CI) fails when a committed file differs from what the core says it should be.
//!
//! Why generate rather than derive the FFI traits on the core's types: the derives would put
//! three FFI toolkits into the core's public types, the orphan rule would force newtypes over
//! `Decimal` and `DateTime` there (napi and pyo3 traits on foreign types), Python's printed
//! forms would have to live in the core, and uniffi derives would make the core a second uniffi
//! component (a second Kotlin package and Swift module). Generated code is plain, reviewed Rust
//! in each binding, and the core stays free of them.

mod catalog;
mod model;
mod names;
mod node;
mod python;
mod uniffi;

use catalog::{Entry, Lang, ENTRIES, SOURCES};
use model::{Crate, Def, Error};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

/// One type of the catalogue with its definition.
#[derive(Debug)]
pub struct Item {
    pub entry: Entry,
    pub def: Def,
}

/// Every catalogue type, in catalogue order, and lookups by name.
#[derive(Debug)]
pub struct Catalog {
    pub items: Vec<Item>,
    by_name: BTreeMap<String, usize>,
    /// The core's public functions and methods, for rewriting names in docs.
    functions: Vec<String>,
}

impl Catalog {
    pub fn get(&self, name: &str) -> &Item {
        &self.items[self.by_name[name]]
    }

    pub fn for_lang(&self, lang: Lang) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(move |i| i.entry.generated_for(lang))
    }

    /// Every field, function and method name a doc may mention in backticks, to be spelled in
    /// each language's casing; an enum's stable string (`invalid_input`) is a value, not a name,
    /// and stays as it is.
    pub fn field_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .items
            .iter()
            .flat_map(|i| {
                let fields = i.def.fields().iter().map(|f| f.name.clone());
                let variant_fields = i
                    .def
                    .variants()
                    .iter()
                    .flat_map(|v| v.fields.iter().map(|f| f.name.clone()));
                fields.chain(variant_fields).collect::<Vec<_>>()
            })
            .collect();
        names.extend(self.functions.iter().cloned());
        let values: Vec<&str> = self
            .items
            .iter()
            .filter(|i| i.def.is_enum())
            .flat_map(|i| i.def.variants().iter().map(|v| v.value.as_str()))
            .collect();
        names.retain(|n| n.contains('_') && !values.contains(&n.as_str()));
        names.sort();
        names.dedup();
        names
    }

    fn load(root: &Path) -> Result<Catalog, Error> {
        let mut crates = BTreeMap::new();
        for (krate, dir) in SOURCES {
            crates.insert(*krate, Crate::read(&root.join(dir))?);
        }
        let mut items = Vec::new();
        let mut by_name = BTreeMap::new();
        for entry in ENTRIES {
            let def = crates[entry.krate].def(entry.krate, entry.name)?;
            by_name.insert(entry.name.to_owned(), items.len());
            items.push(Item { entry: *entry, def });
        }
        let functions = crates.values().flat_map(|c| c.functions.iter().cloned()).collect();
        let catalog = Catalog {
            items,
            by_name,
            functions,
        };
        catalog.check()?;
        Ok(catalog)
    }

    /// Every named type a field uses is in the catalogue, crossing the same way and generated
    /// for at least the languages of its user.
    fn check(&self) -> Result<(), Error> {
        for item in &self.items {
            if item.def.docs.is_empty() {
                return Err(Error(format!(
                    "{}: every type that crosses into the bindings needs a doc comment (it becomes their docs)",
                    item.def.path()
                )));
            }
            let fields = item
                .def
                .fields()
                .iter()
                .chain(item.def.variants().iter().flat_map(|v| v.fields.iter()));
            for field in fields {
                let Some(name) = field.ty.named() else { continue };
                let Some(&index) = self.by_name.get(name) else {
                    return Err(Error(format!(
                        "{}.{} is a {name}, which is not in the catalogue (tools/bindgen/src/catalog.rs)",
                        item.def.name, field.name
                    )));
                };
                let used = &self.items[index];
                if (item.entry.reads() && !used.entry.reads()) || (item.entry.writes() && !used.entry.writes()) {
                    return Err(Error(format!(
                        "{}.{}: {name} must cross the same way as {}",
                        item.def.name, field.name, item.def.name
                    )));
                }
                for lang in [Lang::Python, Lang::Node, Lang::Uniffi] {
                    if item.entry.generated_for(lang) && !used.entry.generated_for(lang) && !used.def.is_enum() {
                        return Err(Error(format!(
                            "{}.{}: {name} is hand-written for {lang:?}, but {} is generated",
                            item.def.name, field.name, item.def.name
                        )));
                    }
                }
                if used.def.has_secret() {
                    // Node hides a credential by giving its holder a `util.inspect` form, which
                    // a value nested in another one would lose.
                    return Err(Error(format!(
                        "{}.{}: {name} holds a credential, so it cannot be nested in another type",
                        item.def.name, field.name
                    )));
                }
            }
        }
        Ok(())
    }
}

/// A file the generator owns, whole or between two marker lines.
#[derive(Debug)]
struct Output {
    path: PathBuf,
    text: String,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = match args.as_slice() {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => {
            eprintln!("usage: bindgen [--check]");
            return ExitCode::from(2);
        }
    };
    match run(check) {
        Ok(stale) if stale.is_empty() => ExitCode::SUCCESS,
        Ok(stale) => {
            for path in stale {
                eprintln!("stale: {path} (run scripts/bindgen and commit the result)");
            }
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("bindgen: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Writes (or, with `check`, compares) every output; returns the files that were stale.
fn run(check: bool) -> Result<Vec<String>, Error> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root
        .canonicalize()
        .map_err(|e| Error(format!("{}: {e}", root.display())))?;
    let catalog = Catalog::load(&root)?;
    let mut outputs = vec![
        Output {
            path: root.join("bindings-swift/src/generated.rs"),
            text: rustfmt(&root, &uniffi::render(&catalog))?,
        },
        Output {
            path: root.join("bindings-node/src/generated.rs"),
            text: rustfmt(&root, &node::render(&catalog))?,
        },
        Output {
            path: root.join("bindings-python/src/generated.rs"),
            text: rustfmt(&root, &python::render(&catalog))?,
        },
    ];
    let dts = root.join("bindings-node/dts-header.d.ts");
    outputs.push(Output {
        text: replace_region(&dts, "/* <generated", "/* </generated> */", &node::render_ts(&catalog))?,
        path: dts,
    });
    let stub = root.join("bindings-python/python/brokerlink/_native.pyi");
    let stub_text = replace_region(&stub, "# <generated", "# </generated>", &python::render_stub(&catalog))?;
    let allowlist = root.join("bindings-python/stubtest-allowlist.txt");
    outputs.push(Output {
        text: replace_region(
            &allowlist,
            "# <generated",
            "# </generated>",
            &python::render_allowlist(&catalog),
        )?,
        path: allowlist,
    });
    let init = root.join("bindings-python/python/brokerlink/__init__.py");
    outputs.push(Output {
        text: python::render_init(&std::fs::read_to_string(&init).map_err(io(&init))?, &stub_text)?,
        path: init,
    });
    outputs.push(Output {
        path: stub,
        text: stub_text,
    });

    let mut stale = Vec::new();
    for output in outputs {
        let current = std::fs::read_to_string(&output.path).unwrap_or_default();
        if current == output.text {
            continue;
        }
        let shown = output
            .path
            .strip_prefix(&root)
            .unwrap_or(&output.path)
            .display()
            .to_string();
        if check {
            stale.push(shown);
        } else {
            std::fs::write(&output.path, &output.text).map_err(io(&output.path))?;
            println!("wrote {shown}");
        }
    }
    Ok(stale)
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error(format!("{}: {e}", path.display()))
}

/// `text` formatted as `cargo fmt` would (the workspace's rustfmt.toml).
fn rustfmt(root: &Path, text: &str) -> Result<String, Error> {
    use std::io::Write;
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout", "--config-path"])
        .arg(root.join("rustfmt.toml"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error(format!("rustfmt: {e}")))?;
    child
        .stdin
        .take()
        .ok_or_else(|| Error("rustfmt: no stdin".into()))?
        .write_all(text.as_bytes())
        .map_err(|e| Error(format!("rustfmt: {e}")))?;
    let done = child.wait_with_output().map_err(|e| Error(format!("rustfmt: {e}")))?;
    if !done.status.success() {
        let numbered: String = text
            .lines()
            .enumerate()
            .map(|(i, l)| format!("{:4} {l}\n", i + 1))
            .collect();
        return Err(Error(format!(
            "rustfmt rejected the generated code:\n{}\n{numbered}",
            String::from_utf8_lossy(&done.stderr)
        )));
    }
    String::from_utf8(done.stdout).map_err(|e| Error(format!("rustfmt: {e}")))
}

/// The file at `path` with the lines from the one starting with `begin` to the one starting
/// with `end` (both kept) holding `body` instead.
fn replace_region(path: &Path, begin: &str, end: &str, body: &str) -> Result<String, Error> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let mut out = String::with_capacity(text.len());
    let mut lines = text.split_inclusive('\n');
    let mut found = false;
    for line in lines.by_ref() {
        out.push_str(line);
        if line.starts_with(begin) {
            found = true;
            break;
        }
    }
    if !found {
        return Err(Error(format!("{}: no line starting with {begin:?}", path.display())));
    }
    out.push_str(body);
    let mut closed = false;
    for line in lines {
        if closed {
            out.push_str(line);
        } else if line.starts_with(end) {
            closed = true;
            out.push_str(line);
        }
    }
    if !closed {
        return Err(Error(format!("{}: no line starting with {end:?}", path.display())));
    }
    Ok(out)
}
