using System.Net.Sockets;
using System.Text;

namespace PptpGw.Gateway.Hosting;

/// <summary>
/// sd_notify(3) without libsystemd: one datagram to the Unix socket in <c>$NOTIFY_SOCKET</c> (a path, or an abstract
/// name after '@'), so a <c>Type=notify</c> unit is "started" once the gateway listens, and "stopping" when it begins
/// to shut down. A no-op outside systemd; never throws (written by hand: ten lines, no package for it fits better).
/// </summary>
public static class SystemdNotifier
{
    /// <summary>Sends <paramref name="state"/> ("READY=1", "STOPPING=1", "STATUS=..."); false when not under systemd or it failed.</summary>
    public static bool Notify(string state, string? socketPath = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        string? path = socketPath ?? Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path))
            return false;
        if (path[0] == '@')
            path = "\0" + path[1..]; // abstract namespace (systemd's own form)
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            socket.Send(Encoding.UTF8.GetBytes(state));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
