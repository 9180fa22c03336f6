namespace PptpGw.ControlPlane.Admin;

/// <summary>
/// One column of <c>show vpdn session brief</c>: its name (as typed after <c>columns</c>, <c>match</c>, <c>order</c>),
/// the text shown, and the sort key (numbers compare as numbers, addresses by octets).
/// </summary>
/// <param name="Name">Lower-case name ("user", "rx-bytes").</param>
/// <param name="Text">The cell's text.</param>
/// <param name="Key">The value <c>order</c> sorts by and JSON carries (a number where the column is numeric).</param>
public sealed record SessionBriefColumn(string Name, Func<SessionSnapshot, string> Text, Func<SessionSnapshot, IComparable?> Key)
{
    /// <summary>True when <see cref="Key"/> is a number (JSON writes it as one).</summary>
    public bool Numeric { get; init; }
}
