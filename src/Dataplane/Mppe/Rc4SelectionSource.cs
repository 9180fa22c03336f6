namespace PptpGw.Dataplane.Mppe;

/// <summary>How <see cref="Rc4Schedules"/> came by its choice.</summary>
public enum Rc4SelectionSource
{
    /// <summary>The start-up self-measurement picked it.</summary>
    Measured = 0,

    /// <summary><see cref="Rc4Schedules.EnvironmentVariable"/> named it (and it passed RFC 6229).</summary>
    Forced = 1,
}
