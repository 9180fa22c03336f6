namespace PptpGw.ControlPlane.Admin;

/// <summary>What <see cref="OperatorCommandParser.Parse"/> found: a command, an error text, or a line for the PIX parser.</summary>
public sealed record OperatorParseResult(OperatorCommand? Command, string? Error)
{
    /// <summary>Not an operator command: <see cref="AdminCommandParser"/> parses it.</summary>
    public static OperatorParseResult NotOurs { get; } = new(null, null);

    public static OperatorParseResult Ok(OperatorCommand command) => new(command, null);

    public static OperatorParseResult Invalid(string error) => new(null, error);
}
