//! Plain-text tables for the terminal.

use brokerlink::{Account, Connection};

fn render(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = widths[i]))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    let mut out = vec![line(headers.iter().map(|h| h.to_string()).collect())];
    out.push(line(widths.iter().map(|w| "─".repeat(*w)).collect()));
    if rows.is_empty() {
        out.push("(none)".into());
    }
    out.extend(rows.into_iter().map(line));
    out.join("\n")
}

pub fn connections(connections: &[Connection]) -> String {
    let rows = connections
        .iter()
        .map(|c| {
            vec![
                c.id.clone(),
                c.broker.display_name.clone().unwrap_or_else(|| c.broker.name.clone()),
                c.status.as_str().to_owned(),
                c.permission.as_str().to_owned(),
                c.created_at
                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    render(&["CONNECTION", "BROKER", "STATUS", "PERMISSION", "CREATED (UTC)"], rows)
}

pub fn accounts(accounts: &[Account]) -> String {
    let rows = accounts
        .iter()
        .map(|a| {
            vec![
                a.id.clone(),
                a.name.clone().unwrap_or_default(),
                a.number.clone().unwrap_or_default(),
                a.balance
                    .as_ref()
                    .map(|m| format!("{:>12} {}", m.amount.to_string(), m.currency))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    render(&["ACCOUNT", "NAME", "NUMBER", "BALANCE"], rows)
}
