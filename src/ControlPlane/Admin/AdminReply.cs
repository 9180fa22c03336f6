namespace PptpGw.ControlPlane.Admin;

/// <summary>The answer to one admin command: its <see cref="Status"/> and the text to show.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Text">What to print (PIX style; may be empty).</param>
public sealed record AdminReply(AdminStatus Status, string Text)
{
    /// <summary>A successful answer.</summary>
    public static AdminReply Ok(string text) => new(AdminStatus.Ok, text);
}
