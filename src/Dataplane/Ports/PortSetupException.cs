using System.Runtime.InteropServices;

namespace PptpGw.Dataplane.Ports;

/// <summary>
/// A kernel port could not be set up (socket, bind, /dev/net/tun, interface configuration).
/// Thrown at setup only, never on the packet path; the message names the call, the errno and what
/// usually causes it (missing root / CAP_NET_RAW / CAP_NET_ADMIN, missing tun module, an address
/// not configured on the host).
/// </summary>
public sealed class PortSetupException : IOException
{
    /// <summary>Creates the exception.</summary>
    public PortSetupException()
    {
        Operation = string.Empty;
    }

    /// <summary>Creates the exception with a message.</summary>
    public PortSetupException(string message)
        : base(message)
    {
        Operation = string.Empty;
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public PortSetupException(string message, Exception innerException)
        : base(message, innerException)
    {
        Operation = string.Empty;
    }

    /// <summary>Creates the exception for a failed system call.</summary>
    /// <param name="operation">The call as written in C, e.g. <c>socket(AF_INET, SOCK_RAW, IPPROTO_GRE)</c>.</param>
    /// <param name="errno">The errno it left.</param>
    /// <param name="hint">What usually causes this errno here, or null.</param>
    public PortSetupException(string operation, int errno, string? hint)
        : base(Format(operation, errno, hint))
    {
        Operation = operation;
        Errno = errno;
    }

    /// <summary>The failed call.</summary>
    public string Operation { get; }

    /// <summary>The errno value (0 when not from a system call).</summary>
    public int Errno { get; }

    private static string Format(string operation, int errno, string? hint)
    {
        string text = $"{operation} failed: {Libc.ErrnoName(errno)} ({Marshal.GetPInvokeErrorMessage(errno)})";
        return hint is null ? text + "." : $"{text}. {hint}";
    }
}
