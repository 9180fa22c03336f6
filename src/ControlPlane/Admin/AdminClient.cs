using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;

namespace PptpGw.ControlPlane.Admin;

/// <summary>The CLI side of the admin socket (<c>pptpgw show vpdn</c> and friends).</summary>
public static class AdminClient
{
    /// <summary>Sends one command line and returns the whole answer (the server closes after it).</summary>
    /// <exception cref="ArgumentException">The line contains a newline.</exception>
    /// <exception cref="SocketException">Nothing listens on <paramref name="socketPath"/>.</exception>
    public static async Task<string> SendAsync(string socketPath, string commandLine, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        using var socket = await ConnectAndSendAsync(socketPath, commandLine, cancellationToken).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
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
