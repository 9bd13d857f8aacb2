import Foundation

/// A calendar date (`2026-12-18`) as the year, month and day of a Gregorian `DateComponents`:
/// a trade date or an option's expiry is a day, not an instant, so it carries no time zone.
func calendarDate(_ text: String) -> DateComponents {
    let parts = text.split(separator: "-").compactMap { Int($0) }
    guard parts.count == 3 else { return DateComponents() }
    return DateComponents(calendar: Calendar(identifier: .gregorian), year: parts[0], month: parts[1], day: parts[2])
}

/// The ISO 8601 text of a date's year, month and day.
func calendarDateText(_ date: DateComponents) -> String {
    String(format: "%04d-%02d-%02d", date.year ?? 0, date.month ?? 0, date.day ?? 0)
}
