//! Support for the contract tests: the vendors' OpenAPI specs read as JSON Schema, the response
//! schema of an operation, and a checker that validates replies and remembers what it saw.
// Each contract test uses only part of this module.
#![allow(dead_code)]

pub mod wire;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, ValidationError, Validator};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
pub use wire::Reply;

/// The specs live in `shared/protocols`, beside the checkout (there in CI too).
pub fn protocol_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/protocols")
        .join(name)
}

/// Keywords that only annotate in OpenAPI; JSON Schema would read some of them differently.
const OPENAPI_ONLY: &[&str] = &[
    "example",
    "examples",
    "discriminator",
    "xml",
    "readOnly",
    "writeOnly",
    "deprecated",
    "externalDocs",
];

/// An OpenAPI (3.0 or 3.1) schema object as JSON Schema 2020-12. Walks only the keywords that
/// hold schemas, so a property that happens to be called `example` or `nullable` survives.
pub fn to_json_schema(schema: &Value) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    let each = |v: &Value| match v {
        Value::Array(items) => Value::Array(items.iter().map(to_json_schema).collect()),
        other => to_json_schema(other),
    };
    let mut out = Map::new();
    let mut nullable = false;
    for (key, value) in map {
        match key.as_str() {
            "nullable" => nullable = value == &Value::Bool(true),
            k if OPENAPI_ONLY.contains(&k) => {}
            "properties" | "patternProperties" | "$defs" | "dependentSchemas" => {
                let converted = match value {
                    Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), to_json_schema(v))).collect(),
                    _ => Map::new(),
                };
                out.insert(key.clone(), Value::Object(converted));
            }
            "items"
            | "additionalProperties"
            | "not"
            | "contains"
            | "propertyNames"
            | "if"
            | "then"
            | "else"
            | "allOf"
            | "anyOf"
            | "oneOf"
            | "prefixItems"
            | "unevaluatedProperties"
            | "unevaluatedItems" => {
                out.insert(key.clone(), each(value));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    // OpenAPI 3.0's `nullable` widens whatever else the schema says, `$ref`, `enum` and `allOf`
    // included; an `anyOf` with null says exactly that.
    if nullable {
        json!({ "anyOf": [Value::Object(out), { "type": "null" }] })
    } else {
        Value::Object(out)
    }
}

fn yaml_to_json(value: serde_norway::Value) -> Value {
    use serde_norway::Value as Y;
    match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                json!(i)
            } else if let Some(u) = n.as_u64() {
                json!(u)
            } else {
                json!(n.as_f64())
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        // Status codes are integer keys in YAML; JSON (and the lookups) want text.
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match yaml_to_json(k) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(tagged) => yaml_to_json(tagged.value),
    }
}

/// `/accounts/{accountId}` and `/accounts/{id}` name the same route.
pub fn shape(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut in_param = false;
    for c in template.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// What the spec says a route answers with one status.
#[derive(Debug, Clone)]
pub enum Documented {
    Schema(Value),
    /// Listed, but with no JSON body schema (SnapTrade's `default: Unexpected error`).
    NoSchema,
    /// Neither the status nor a `default` is listed (or the route is not in the spec).
    Missing,
}

#[derive(Debug)]
pub struct Spec {
    pub name: &'static str,
    /// Method (upper case) and path template of every operation.
    operations: Vec<(String, String)>,
    paths: Map<String, Value>,
    /// `{"components": {"schemas": …}}`, converted, for `#/components/schemas/…` to resolve in.
    components: Value,
    compiled: Mutex<HashMap<String, Arc<Validator>>>,
}

impl Spec {
    pub fn load(name: &'static str, file: &str) -> Spec {
        let path = protocol_file(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("the {name} spec {} cannot be read: {e}", path.display()));
        let doc: Value = if file.ends_with(".json") {
            serde_json::from_str(&text).expect("the spec is JSON")
        } else {
            yaml_to_json(serde_norway::from_str(&text).expect("the spec is YAML"))
        };
        let schemas: Map<String, Value> = doc["components"]["schemas"]
            .as_object()
            .expect("the spec has components.schemas")
            .iter()
            .map(|(k, v)| (k.clone(), to_json_schema(v)))
            .collect();
        let paths = doc["paths"].as_object().expect("the spec has paths").clone();
        let mut operations = Vec::new();
        for (path, item) in &paths {
            for method in ["get", "put", "post", "delete", "options", "head", "patch", "trace"] {
                if item.get(method).is_some() {
                    operations.push((method.to_ascii_uppercase(), path.clone()));
                }
            }
        }
        Spec {
            name,
            operations,
            paths,
            components: json!({ "components": { "schemas": schemas } }),
            compiled: Mutex::new(HashMap::new()),
        }
    }

    pub fn snaptrade() -> Spec {
        Spec::load("SnapTrade", "snaptrade-openapi.yaml")
    }

    pub fn finatic() -> Spec {
        Spec::load("Finatic", "finatic-openapi-v1.json")
    }

    pub fn operations(&self) -> &[(String, String)] {
        &self.operations
    }

    fn operation(&self, method: &str, template: &str) -> Option<&Value> {
        let wanted = shape(template);
        self.paths
            .iter()
            .find(|(path, _)| shape(path) == wanted)
            .and_then(|(_, item)| item.get(method.to_ascii_lowercase()))
    }

    pub fn has(&self, method: &str, template: &str) -> bool {
        self.operation(method, template).is_some()
    }

    /// The response schema for a status, else for its `NXX` range, else the `default` one.
    pub fn response(&self, method: &str, template: &str, status: u16) -> Documented {
        let Some(responses) = self.operation(method, template).map(|op| &op["responses"]) else {
            return Documented::Missing;
        };
        let listed = [status.to_string(), format!("{}XX", status / 100), "default".into()]
            .into_iter()
            .find_map(|key| responses.get(&key));
        match listed {
            None => Documented::Missing,
            Some(response) => match response.pointer("/content/application~1json/schema") {
                Some(schema) => Documented::Schema(to_json_schema(schema)),
                None => Documented::NoSchema,
            },
        }
    }

    pub fn component(name: &str) -> Value {
        json!({ "$ref": format!("#/components/schemas/{name}") })
    }

    fn validator(&self, schema: &Value) -> Arc<Validator> {
        let key = schema.to_string();
        let mut compiled = self.compiled.lock().expect("not poisoned");
        if let Some(v) = compiled.get(&key) {
            return v.clone();
        }
        let mut document = self.components.clone();
        match schema {
            Value::Object(map) => {
                for (k, v) in map {
                    document[k] = v.clone();
                }
            }
            other => panic!("a response schema should be an object: {other}"),
        }
        let validator = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .build(&document)
            .unwrap_or_else(|e| panic!("the {} schema {key} does not compile: {e}", self.name));
        let validator = Arc::new(validator);
        compiled.insert(key, validator.clone());
        validator
    }

    /// Every error of `body` against `schema`, each as `(pointer, message)`.
    pub fn errors(&self, schema: &Value, body: &Value) -> Vec<(String, String)> {
        let validator = self.validator(schema);
        let mut out = Vec::new();
        for error in validator.iter_errors(body) {
            flatten(&error, &mut out);
        }
        out
    }
}

fn pointer(error: &ValidationError<'_>) -> String {
    error.instance_path().to_string()
}

fn branches<'a>(error: &'a ValidationError<'_>) -> Option<&'a Vec<Vec<ValidationError<'static>>>> {
    match error.kind() {
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => Some(context),
        _ => None,
    }
}

/// The branch `nullable` (or a 3.1 `anyOf [T, null]`) adds, failing only because the value is
/// not null.
fn only_null(errors: &[ValidationError<'_>]) -> bool {
    matches!(errors, [e] if matches!(e.kind(), ValidationErrorKind::Type { .. }) && e.to_string().ends_with("\"null\""))
}

/// A failed `anyOf [T, null]` is really T's errors, at their own pointers; other unions stay one
/// error, explained branch by branch.
fn flatten(error: &ValidationError<'_>, out: &mut Vec<(String, String)>) {
    if let Some(branches) = branches(error) {
        let real: Vec<_> = branches.iter().filter(|errors| !only_null(errors)).collect();
        if let [only] = real.as_slice() {
            for e in only.iter() {
                flatten(e, out);
            }
            return;
        }
    }
    out.push((pointer(error), explain(error)));
}

fn explain(error: &ValidationError<'_>) -> String {
    let Some(branches) = branches(error) else {
        return error.to_string();
    };
    let reasons: Vec<String> = branches
        .iter()
        .filter(|errors| !only_null(errors))
        .map(|errors| {
            let mut leaves = Vec::new();
            for e in errors {
                flatten(e, &mut leaves);
            }
            leaves
                .iter()
                .map(|(at, message)| format!("{at}: {message}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .collect();
    format!("no branch matches: [{}]", reasons.join("] or ["))
}

/// A deviation a test accepts on purpose: errors at or below `pointer` of that reply.
#[derive(Debug, Clone, Copy)]
pub struct Allowance {
    pub method: &'static str,
    pub template: &'static str,
    pub status: u16,
    pub pointer: &'static str,
    pub why: &'static str,
}

/// A route and status answered against a stand-in schema, because the spec has none there.
#[derive(Debug, Clone, Copy)]
pub struct Undocumented {
    pub method: &'static str,
    pub template: &'static str,
    pub status: u16,
    pub why: &'static str,
}

type Route = (String, String, u16);

/// Validates replies, collects every failure, and records which routes and statuses it saw.
#[derive(Debug)]
pub struct Checker {
    pub spec: Spec,
    /// The component to validate a status against where a route leaves that status undocumented.
    stand_in: fn(u16) -> Option<&'static str>,
    allowances: Vec<(Allowance, bool)>,
    undocumented: Vec<(Undocumented, bool)>,
    failures: Vec<String>,
    seen: BTreeSet<Route>,
}

impl Checker {
    pub fn new(
        spec: Spec,
        stand_in: fn(u16) -> Option<&'static str>,
        allowances: &[Allowance],
        undocumented: &[Undocumented],
    ) -> Checker {
        Checker {
            spec,
            stand_in,
            allowances: allowances.iter().map(|a| (*a, false)).collect(),
            undocumented: undocumented.iter().map(|u| (*u, false)).collect(),
            failures: Vec::new(),
            seen: BTreeSet::new(),
        }
    }

    pub fn fail(&mut self, message: String) {
        self.failures.push(message);
    }

    /// `reply` must have status `expected` and match the spec's schema for that status.
    pub fn check(&mut self, method: &str, template: &str, expected: u16, reply: &Reply) {
        let schema = match self.spec.response(method, template, reply.status) {
            Documented::Schema(schema) => schema,
            found => {
                let listed = self.undocumented.iter_mut().find(|(u, _)| {
                    u.method == method && shape(u.template) == shape(template) && u.status == reply.status
                });
                match (listed, (self.stand_in)(reply.status)) {
                    (Some((_, used)), Some(component)) => {
                        *used = true;
                        Spec::component(component)
                    }
                    _ => {
                        self.fail(format!(
                            "{method} {template} {}: the {} spec has no schema for it ({found:?}) and the test \
                             does not list it as undocumented; body {}",
                            reply.status, self.spec.name, reply.text
                        ));
                        return;
                    }
                }
            }
        };
        self.check_against(method, template, expected, reply, &schema);
    }

    /// As [`Checker::check`], against a schema the test gives (where the spec cannot be used).
    pub fn check_against(&mut self, method: &str, template: &str, expected: u16, reply: &Reply, schema: &Value) {
        if reply.status != expected {
            self.fail(format!(
                "{method} {template}: expected status {expected}, got {}: {}",
                reply.status, reply.text
            ));
        }
        for (at, message) in self.spec.errors(schema, &reply.body) {
            let allowed = self.allowances.iter_mut().find(|(a, _)| {
                a.method == method
                    && shape(a.template) == shape(template)
                    && a.status == reply.status
                    && (at == a.pointer || at.starts_with(&format!("{}/", a.pointer)))
            });
            match allowed {
                Some((_, used)) => *used = true,
                None => self.fail(format!("{method} {template} {} at {at:?}: {message}", reply.status)),
            }
        }
        self.seen.insert((method.to_owned(), shape(template), reply.status));
    }

    /// Whether some reply of this route with a status in `statuses` was validated.
    pub fn saw(&self, method: &str, template: &str, statuses: std::ops::RangeInclusive<u16>) -> bool {
        let wanted = shape(template);
        self.seen
            .iter()
            .any(|(m, t, s)| m == method && *t == wanted && statuses.contains(s))
    }

    /// Fails with every failure collected, and with every allowance that no reply needed (a
    /// deviation that was fixed, or one the test no longer reaches, must leave the list).
    pub fn finish(self) {
        let mut failures = self.failures;
        for (a, used) in &self.allowances {
            if !used {
                failures.push(format!(
                    "allowance not needed any more: {} {} {} {} ({})",
                    a.method, a.template, a.status, a.pointer, a.why
                ));
            }
        }
        for (u, used) in &self.undocumented {
            if !used {
                failures.push(format!(
                    "undocumented status not seen: {} {} {} ({})",
                    u.method, u.template, u.status, u.why
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{} contract failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}
