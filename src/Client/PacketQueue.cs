using System.Collections.Concurrent;

namespace PptpGw.Client;

/// <summary>The in-process packet queues of the client (memory transports, the GRE demultiplexer's per-call queues).</summary>
internal static class PacketQueue
{
    /// <summary>
    /// Takes the next packet of <paramref name="queue"/> into <paramref name="destination"/>, waiting up to
    /// <paramref name="timeoutMilliseconds"/>: false on time-out, on <paramref name="cancellation"/>, or when the packet does
    /// not fit (it is dropped, as a too-small receive buffer would).
    /// </summary>
    public static bool TryTake(BlockingCollection<byte[]> queue, Span<byte> destination, out int length, int timeoutMilliseconds,
        CancellationToken cancellation)
    {
        length = 0;
        try
        {
            if (!queue.TryTake(out byte[]? packet, timeoutMilliseconds, cancellation) || packet.Length > destination.Length)
                return false;
            packet.CopyTo(destination);
            length = packet.Length;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
