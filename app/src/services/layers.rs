//! The services' module graph, read from their source: building blocks import no feature, and no
//! two modules import each other, directly or around a circle. A newcomer adding an import that
//! breaks either learns it here, with the path that does.

use std::collections::{BTreeMap, BTreeSet};

/// What every feature builds on. A building block imports only other building blocks.
const BUILDING_BLOCKS: [&str; 18] = [
    "acting",
    "audit",
    "keyset",
    "licence",
    "locking",
    "mail",
    "messages",
    "naming",
    "oidc",
    "passwords",
    "people",
    "rates",
    "sessions",
    "state",
    "tenancy",
    "text",
    "throttle",
    "tokens",
];

/// The flows people use, on top of the building blocks; `bootstrap` and `demo` start things.
const FEATURES: [&str; 19] = [
    "accounts",
    "activity",
    "api_keys",
    "auth",
    "bootstrap",
    "bulk",
    "demo",
    "exports",
    "import",
    "jobs",
    "links",
    "organisations",
    "profile",
    "roles",
    "scim",
    "sign_ins",
    "sso",
    "teams",
    "users",
];

/// Every source file of the services with the module it belongs to: a file is a module, a folder
/// of files is one (its files' `super::` is the module itself).
fn sources() -> Vec<(String, std::path::PathBuf, String)> {
    let entries = |dir: &std::path::Path| -> Vec<std::path::PathBuf> {
        let mut found: Vec<_> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .collect();
        found.sort();
        found
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/services");
    let mut found = Vec::new();
    for path in entries(&dir) {
        let Some(module) = path.file_stem().and_then(|s| s.to_str()).map(String::from) else {
            continue;
        };
        let files = if path.is_dir() {
            entries(&path)
        } else {
            vec![path]
        };
        for file in files {
            if file.extension().is_some_and(|e| e == "rs") {
                if let Ok(text) = std::fs::read_to_string(&file) {
                    found.push((module.clone(), file, text));
                }
            }
        }
    }
    found
}

/// Each service module and the service modules its code (tests left out) names.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut modules: BTreeMap<String, String> = BTreeMap::new();
    // The services' `mod.rs` declares the modules, and this file names them in its lists.
    for (module, _, text) in sources()
        .into_iter()
        .filter(|(module, _, _)| module != "mod" && module != "layers")
    {
        let joined = modules.entry(module).or_default();
        joined.push_str(&text);
        joined.push('\n');
    }
    modules
        .iter()
        .map(|(name, text)| {
            let used = imports(text)
                .into_iter()
                .filter(|m| m != name && modules.contains_key(m))
                .collect();
            (name.clone(), used)
        })
        .collect()
}

/// The first segments of the paths `text` reaches through `super::` or `services::`, including
/// every item of a `use super::{…}` group.
fn imports(text: &str) -> BTreeSet<String> {
    let code: String = text
        .split("#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or_default()
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |rest: &str| -> String {
        rest.chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect()
    };
    let mut found = BTreeSet::new();
    for prefix in ["super::", "services::"] {
        for (at, _) in code.match_indices(prefix) {
            let rest = &code[at + prefix.len()..];
            if let Some(group) = rest.strip_prefix('{') {
                // The heads of a group's items: after its `{` and after each top-level comma.
                let mut depth = 0;
                let mut head = true;
                for (i, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => head = true,
                        c if head && !c.is_whitespace() => {
                            head = false;
                            found.insert(ident(&group[i..]));
                        }
                        _ => {}
                    }
                }
            } else {
                found.insert(ident(rest));
            }
        }
    }
    found
}

#[test]
fn every_service_module_is_a_building_block_or_a_feature() {
    let graph = graph();
    assert!(graph.len() > 20, "the services' sources were not found");
    for name in graph.keys() {
        assert!(
            BUILDING_BLOCKS.contains(&name.as_str()) || FEATURES.contains(&name.as_str()),
            "services/{name}.rs is new: list it in layers.rs as a building block or a feature"
        );
    }
}

#[test]
fn building_blocks_import_no_feature() {
    for (name, used) in graph() {
        if !BUILDING_BLOCKS.contains(&name.as_str()) {
            continue;
        }
        let features: Vec<_> = used
            .iter()
            .filter(|m| !BUILDING_BLOCKS.contains(&m.as_str()))
            .collect();
        assert!(
            features.is_empty(),
            "the building block services/{name}.rs imports the feature(s) {features:?}: move what \
             it needs from them down into a building block"
        );
    }
}

#[test]
fn no_service_modules_import_each_other_in_a_circle() {
    let graph = graph();
    // Depth-first search from every module; a module met again on the current path closes a
    // circle, which is reported whole.
    fn visit(
        graph: &BTreeMap<String, BTreeSet<String>>,
        name: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if let Some(start) = path.iter().position(|m| m == name) {
            let circle = [&path[start..], &[name.to_string()]].concat().join(" → ");
            panic!("service modules import each other in a circle: {circle}");
        }
        if !done.insert(name.to_string()) {
            return;
        }
        path.push(name.to_string());
        for next in graph.get(name).into_iter().flatten() {
            visit(graph, next, path, done);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for name in graph.keys() {
        visit(&graph, name, &mut Vec::new(), &mut done);
    }
}

#[test]
fn the_graph_reader_sees_grouped_and_qualified_imports() {
    let found = imports(
        "use super::{\n    acting::{Actor, lock},\n    audit, now,\n};\nfn f() { super::mail::send(); crate::services::text::name(); }\n// super::commented\n#[cfg(test)]\nmod tests { use super::hidden; }",
    );
    let expected: BTreeSet<String> = ["acting", "audit", "now", "mail", "text"]
        .map(String::from)
        .into();
    assert_eq!(found, expected);
}

#[test]
fn no_service_file_grows_past_about_500_lines() {
    let long: Vec<String> = sources()
        .into_iter()
        .map(|(_, file, text)| (file, text.lines().count()))
        .filter(|(_, lines)| *lines > 550)
        .map(|(file, lines)| format!("{} ({lines} lines)", file.display()))
        .collect();
    assert!(
        long.is_empty(),
        "split these by flow, as services/accounts/ is: {long:?}"
    );
}
