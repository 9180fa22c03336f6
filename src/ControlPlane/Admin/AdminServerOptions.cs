using System.Net.Sockets;
using System.Threading.Channels;

namespace PptpGw.ControlPlane.Admin;

/// <summary>Settings of an <see cref="AdminServer"/>.</summary>
public sealed record AdminServerOptions
{
    /// <summary>The default socket path.</summary>
    public const string DefaultSocketPath = "/run/pptpgw/admin.sock";

    /// <summary>Where the Unix stream socket is bound.</summary>
    public string SocketPath { get; init; } = DefaultSocketPath;
    /// <summary>Permissions of the socket file: who may run admin commands (owner and group by default).</summary>
    public UnixFileMode SocketMode { get; init; } = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;
    /// <summary>How long a client may take to send its command line.</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Lines buffered per "terminal monitor" client before new ones are dropped (a slow reader never blocks logging).</summary>
    public int MonitorQueueLength { get; init; } = 4096;
}
