/// Unix seconds as an RFC 3339 UTC timestamp, for logs ("clock: the wall
/// clock reads 1970-01-01T00:00:42Z"). The calendar arithmetic is the one
/// the RRSIG time fields use (`Text.civilFromDays`). No Foundation.
public enum CalendarDate {
    /// `YYYY-MM-DDTHH:MM:SSZ`; seconds before 1970 count back (proleptic Gregorian).
    public static func text(unixSeconds: Int64) -> String {
        var days = unixSeconds / 86_400
        var rest = unixSeconds % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        let (year, month, day) = Text.civilFromDays(days)
        func pad(_ v: Int64, _ width: Int) -> String {
            var s = String(v)
            while s.utf8.count < width { s = "0" + s }
            return s
        }
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
            + pad(rest / 3_600, 2) + ":" + pad(rest / 60 % 60, 2) + ":" + pad(rest % 60, 2) + "Z"
    }
}
