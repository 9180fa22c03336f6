namespace PptpGw.ControlPlane.Admin;

/// <summary>Why a command line was not understood.</summary>
public enum AdminParseError
{
    /// <summary>Parsed.</summary>
    None = 0,
    /// <summary>The line is empty or blank.</summary>
    Empty,
    /// <summary>A word that is not a keyword here, a bad number, a control character or words after a complete command.</summary>
    InvalidInput,
    /// <summary>The command stops before it is complete ("clear vpdn").</summary>
    Incomplete,
    /// <summary>An abbreviation that matches several keywords ("show v": vpdn or version).</summary>
    Ambiguous,
    /// <summary>Longer than <see cref="AdminCommandParser.MaxLineLength"/>.</summary>
    TooLong,
}
