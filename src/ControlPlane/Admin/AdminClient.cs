using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;

namespace PptpGw.ControlPlane.Admin;

/// <summary>The CLI side of the admin socket (<c>pptpgw show vpdn</c> and friends).</summary>
public static class AdminClient
{
    /// <summary>Sends one command line and returns the whole reply (the server closes after it).</summary>
    /// <exception cref="ArgumentException">The line contains a newline.</exception>
    /// <exception cref="SocketException">Nothing listens on <paramref name="socketPath"/>.</exception>
    public static async Task<AdminReply> SendAsync(string socketPath, string commandLine, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        using var socket = await ConnectAndSendAsync(socketPath, commandLine, cancellationToken).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>The reply on the wire: UTF-8 text, NUL, the status octet.</summary>
    public static byte[] Encode(AdminReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        int length = Encoding.UTF8.GetByteCount(reply.Text);
        byte[] wire = new byte[length + 2];
        Encoding.UTF8.GetBytes(reply.Text, wire);
        wire[length] = 0;
        wire[length + 1] = (byte)reply.Status;
        return wire;
    }

    /// <summary>
    /// Reads a reply; an unknown status octet is an error, and so is a reply without the trailer: the server closed the
    /// connection before its answer was complete (it logs why), which must never pass for an empty answer.
    /// </summary>
    public static AdminReply Decode(ReadOnlySpan<byte> wire)
    {
        if (wire.Length >= 2 && wire[^2] == 0)
        {
            byte status = wire[^1];
            string text = Encoding.UTF8.GetString(wire[..^2]);
            return new AdminReply(Enum.IsDefined((AdminStatus)status) ? (AdminStatus)status : AdminStatus.Error, text);
        }
        return new AdminReply(AdminStatus.Error, Encoding.UTF8.GetString(wire) + (wire.IsEmpty ? "" : "\n")
            + "% Error: the gateway closed the connection without a complete answer (its log says why)\n");
    }

    /// <summary>
    /// Sends "terminal monitor" and yields each log line the server streams (without its newline) until
    /// <paramref name="cancellationToken"/> is cancelled or the server goes away.
    /// </summary>
    public static async IAsyncEnumerable<string> MonitorAsync(string socketPath, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var socket = await ConnectAndSendAsync(socketPath, "terminal monitor", cancellationToken).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
            catch (IOException)
            {
                yield break;
            }

            if (line is null)
            {
                yield break;
            }

            yield return line;
        }
    }

    private static async Task<Socket> ConnectAndSendAsync(string socketPath, string commandLine, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        if (commandLine.Contains('\n', StringComparison.Ordinal) || commandLine.Contains('\r', StringComparison.Ordinal))
        {
            throw new ArgumentException("one command line, without line breaks", nameof(commandLine));
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
            await socket.SendAsync(Encoding.UTF8.GetBytes(commandLine + "\n"), SocketFlags.None, ct).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
