//! Reading an import file: its header, loosely matched, names the required columns and no unknown
//! ones; each row becomes the form the Invite page would have sent.

use super::*;

/// One row of the file, read.
pub(super) struct Row {
    pub(super) line: usize,
    pub(super) form: AccountForm,
    pub(super) user_type: Option<UserType>,
    pub(super) role_names: Vec<String>,
    pub(super) team_names: Vec<String>,
}

pub(super) fn refuse(message: Message) -> ServiceError {
    Refusal::field("csv", message).into()
}

/// The header's name for a column, as we compare it.
fn column_key(name: &str) -> String {
    name.trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .replace([' ', '-'], "_")
}

/// A user type by its code or its label ("Tenant admin", "tenant_admin"); blank means Agent.
fn parse_user_type(text: &str) -> Option<UserType> {
    let key = column_key(text);
    if key.is_empty() {
        return Some(UserType::Agent);
    }
    UserType::ALL
        .iter()
        .copied()
        .find(|t| t.code() == key || column_key(t.label()) == key)
}

/// Reads the file: the header must name the required columns and no unknown ones.
pub(super) fn read(csv_text: &str) -> ServiceResult<Vec<Row>> {
    if csv_text.len() > IMPORT_MAX_BYTES {
        return Err(refuse(msg!(
            "msg.import.too_big",
            size = one_decimal(csv_text.len() as f64 / 1_048_576.0),
            max = IMPORT_MAX_BYTES / 1_048_576
        )));
    }
    if csv_text.contains('\u{fffd}') {
        return Err(refuse(msg!("msg.import.not_utf8")));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| refuse(msg!("msg.import.unreadable", error = e.to_string())))?
        .iter()
        .map(column_key)
        .collect::<Vec<_>>();
    let known: Vec<&str> = IMPORT_COLUMNS.iter().map(|(name, _)| *name).collect();
    // A trailing comma in the first line (spreadsheets add them) names no column.
    if let Some(unknown) = headers
        .iter()
        .find(|h| !h.is_empty() && !known.contains(&h.as_str()))
    {
        return Err(refuse(msg!(
            "msg.import.unknown_column",
            column = unknown,
            columns = known.join(", ")
        )));
    }
    let missing: Vec<&str> = ["email", "first_name", "last_name", "roles"]
        .into_iter()
        .filter(|c| !headers.iter().any(|h| h == c))
        .collect();
    if !missing.is_empty() {
        return Err(refuse(msg!(
            "msg.import.missing_columns",
            columns = missing.join(", ")
        )));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            refuse(msg!(
                "msg.import.line_unreadable",
                line = line,
                error = e.to_string()
            ))
        })?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let unnamed = record
            .iter()
            .enumerate()
            .any(|(i, value)| !value.is_empty() && headers.get(i).is_none_or(String::is_empty));
        if unnamed {
            let line = record.position().map_or(0, |p| p.line());
            return Err(refuse(msg!("msg.import.unnamed_value", line = line)));
        }
        if rows.len() == IMPORT_MAX_ROWS {
            return Err(refuse(msg!(
                "msg.import.too_many_rows",
                max = IMPORT_MAX_ROWS
            )));
        }
        let field = |name: &str| -> String {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .unwrap_or_default()
                .to_string()
        };
        let line = record
            .position()
            .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
        rows.push(Row {
            line,
            user_type: parse_user_type(&field("user_type")),
            role_names: field("roles")
                .split([';', '|'])
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string)
                .collect(),
            team_names: field("teams")
                .split([';', '|'])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
            form: AccountForm {
                first_name: field("first_name"),
                last_name: field("last_name"),
                email: field("email"),
                phone: field("phone"),
                external_id: field("external_id"),
                timezone: field("timezone"),
                roles: Vec::new(),
                access_until: field("access_until"),
            },
        });
    }
    if rows.is_empty() {
        return Err(refuse(msg!("msg.import.no_rows")));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_matched_loosely_and_checked() {
        let rows = read("\u{feff}Email,First Name,last-name,ROLES\nada@x.example,Ada,Lovelace,Agent; Viewer\n\n")
            .map_err(|e| e.to_string())
            .expect("read");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].form.email, "ada@x.example");
        assert_eq!(rows[0].role_names, ["Agent", "Viewer"]);
        assert_eq!(rows[0].user_type, Some(UserType::Agent));

        let unknown = read("email,first_name,last_name,roles,shoe_size\n")
            .err()
            .map(|e| e.to_string());
        assert!(unknown.is_some_and(|m| m.contains("shoe_size")));
        let missing = read("email,first_name\nada@x.example,Ada\n")
            .err()
            .map(|e| e.to_string());
        assert!(missing.is_some_and(|m| m.contains("last_name, roles")));
        let empty = read("email,first_name,last_name,roles\n")
            .err()
            .map(|e| e.to_string());
        assert!(empty.is_some_and(|m| m.contains("no people")));
    }

    #[test]
    fn stray_values_and_other_encodings_are_refused() {
        let trailing = read("email,first_name,last_name,roles,\nada@x.example,Ada,L,Agent,\n");
        assert!(trailing.is_ok(), "an empty trailing column is fine");
        let stray = read("email,first_name,last_name,roles\nada@x.example,Ada,L,Agent,Viewer\n")
            .err()
            .map(|e| e.to_string());
        assert!(stray.is_some_and(|m| m.contains("Line 2") && m.contains("semicolons")));
        let latin = read("email,first_name,last_name,roles\nren@x.example,Ren\u{fffd},D,Agent\n")
            .err()
            .map(|e| e.to_string());
        assert!(latin.is_some_and(|m| m.contains("UTF-8")));
    }

    #[test]
    fn user_types_by_code_or_label() {
        assert_eq!(parse_user_type("Tenant admin"), Some(UserType::TenantAdmin));
        assert_eq!(parse_user_type("bot_admin"), Some(UserType::BotAdmin));
        assert_eq!(parse_user_type(""), Some(UserType::Agent));
        assert_eq!(parse_user_type("wizard"), None);
    }

    #[test]
    fn too_many_rows_are_refused() {
        let mut text = String::from("email,first_name,last_name,roles\n");
        for i in 0..=IMPORT_MAX_ROWS {
            text.push_str(&format!("p{i}@x.example,P,{i},Agent\n"));
        }
        let refused = read(&text).err().map(|e| e.to_string());
        assert!(refused.is_some_and(|m| m.contains("more than 10000")));
    }
}
