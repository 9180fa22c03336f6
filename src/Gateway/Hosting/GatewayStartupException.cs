namespace PptpGw.Gateway.Hosting;

/// <summary>The gateway cannot start with this configuration or on this machine; the message says why, for the operator.</summary>
public sealed class GatewayStartupException : Exception
{
    public GatewayStartupException() { }

    public GatewayStartupException(string message) : base(message) { }

    public GatewayStartupException(string message, Exception innerException) : base(message, innerException) { }
}
