namespace PptpGw.Gateway.Aaa;

/// <summary>The calls the gateway carries, as AAA sees them (the call orchestrator provides it).</summary>
public interface IAaaSessionDirectory
{
    /// <summary>Every call with AAA state (whether or not its link is up).</summary>
    IEnumerable<AaaCall> AaaCalls { get; }
}
