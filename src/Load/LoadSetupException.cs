namespace PptpGw.Load;

/// <summary>A run that cannot start: the message says why and what to change.</summary>
public sealed class LoadSetupException : Exception
{
    public LoadSetupException()
    {
    }

    public LoadSetupException(string message) : base(message)
    {
    }

    public LoadSetupException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
