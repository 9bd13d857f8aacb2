//! Plain-text tables for the terminal.

use brokerlink::{Account, Activity, Connection, Decimal, Position};

/// A table; the columns in `right` (amounts) are right-aligned, so they line up on their last
/// digit.
fn render(headers: &[&str], rows: Vec<Vec<String>>, right: &[usize]) -> String {
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
            .map(|(i, c)| {
                if right.contains(&i) {
                    format!("{c:>width$}", width = widths[i])
                } else {
                    format!("{c:<width$}", width = widths[i])
                }
            })
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
    render(
        &["CONNECTION", "BROKER", "STATUS", "PERMISSION", "CREATED (UTC)"],
        rows,
        &[],
    )
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
    render(&["ACCOUNT", "NAME", "NUMBER", "BALANCE"], rows, &[])
}

fn amount(value: Option<Decimal>) -> String {
    value.map(|d| d.to_string()).unwrap_or_default()
}

pub fn positions(positions: &[Position]) -> String {
    let rows = positions
        .iter()
        .map(|p| {
            vec![
                p.instrument.symbol.clone(),
                p.instrument.kind.as_str().to_owned(),
                p.quantity.to_string(),
                amount(p.price),
                amount(p.market_value),
                amount(p.open_pnl),
                p.currency.clone().unwrap_or_default(),
            ]
        })
        .collect();
    render(
        &["SYMBOL", "KIND", "QUANTITY", "PRICE", "MARKET VALUE", "OPEN P&L", "CCY"],
        rows,
        &[2, 3, 4, 5],
    )
}

pub fn activities(activities: &[Activity]) -> String {
    let rows = activities
        .iter()
        .map(|a| {
            vec![
                a.trade_date.map(|d| d.to_string()).unwrap_or_default(),
                a.kind.as_str().to_owned(),
                a.instrument.as_ref().map(|i| i.symbol.clone()).unwrap_or_default(),
                amount(a.quantity),
                amount(a.amount),
                a.currency.clone().unwrap_or_default(),
                a.description.clone().unwrap_or_default(),
            ]
        })
        .collect();
    render(
        &["DATE", "KIND", "SYMBOL", "QUANTITY", "AMOUNT", "CCY", "DESCRIPTION"],
        rows,
        &[3, 4],
    )
}
