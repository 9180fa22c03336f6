namespace PptpGw.ControlPlane.Admin;

/// <summary>The outcome of <see cref="AdminCommandParser.Parse"/>.</summary>
/// <param name="Error">None on success.</param>
/// <param name="Command">The command when <paramref name="Error"/> is None.</param>
/// <param name="Position">Index in the line of the offending word (for the '^' marker).</param>
public readonly record struct AdminParseResult(AdminParseError Error, AdminCommand Command, int Position)
{
    /// <summary>True when the line parsed.</summary>
    public bool Success => Error == AdminParseError.None;
}
