using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net;

namespace PptpGw.Client;

/// <summary>An IPv4 prefix to route through the tunnel (<c>--route A.B.C.D/N</c>).</summary>
public readonly record struct Ipv4Prefix(IPAddress Address, int PrefixLength)
{
    /// <summary>Parses <c>A.B.C.D/N</c> (or a bare address, /32).</summary>
    public static bool TryParse(string? text, out Ipv4Prefix prefix)
    {
        prefix = default;
        if (string.IsNullOrEmpty(text))
            return false;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        string address = slash < 0 ? text : text[..slash];
        int length = 32;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out length) || length > 32))
            return false;
        if (!IPAddress.TryParse(address, out IPAddress? ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            return false;
        prefix = new Ipv4Prefix(ip, length);
        return true;
    }

    public override string ToString() => $"{Address}/{PrefixLength}";
}

/// <summary>What the client's interface is configured with once the PPP link is up.</summary>
/// <param name="Name">Interface name (e.g. <c>pptp0</c>).</param>
/// <param name="LocalAddress">Our IPCP address.</param>
/// <param name="PeerAddress">The server's IPCP address: the point-to-point peer.</param>
/// <param name="Mtu">The negotiated MRU of the server minus the MPPE overhead.</param>
/// <param name="Routes">Extra prefixes routed through the tunnel.</param>
public sealed record TunnelInterfaceSettings(string Name, IPAddress LocalAddress, IPAddress PeerAddress, int Mtu, ImmutableArray<Ipv4Prefix> Routes);

/// <summary>
/// The client's side of the tunnel towards the local IP stack: a TUN interface in production
/// (<see cref="KernelTunnelInterface"/>), an in-memory one in tests and load tools (<see cref="MemoryTunnelInterface"/>).
/// Carries whole IPv4 packets.
/// </summary>
/// <remarks>Threading: one thread reads; <see cref="Write"/> is called from one (other) thread.</remarks>
public interface ITunnelInterface : IDisposable
{
    /// <summary>The interface's name.</summary>
    string Name { get; }

    /// <summary>Waits up to <paramref name="timeoutMilliseconds"/> for an IPv4 packet the local stack sends into the tunnel.</summary>
    bool TryRead(Span<byte> destination, out int length, int timeoutMilliseconds);

    /// <summary>Hands an IPv4 packet that came out of the tunnel to the local stack. Never blocks; drops when it cannot.</summary>
    void Write(ReadOnlySpan<byte> packet);

    /// <summary>
    /// Delivers what <see cref="Write"/> may hold back to batch it (a TUN with coalescing writes a burst's consecutive
    /// TCP segments as one); called by the writing thread before it waits. Interfaces that deliver at once do nothing.
    /// </summary>
    void Flush()
    {
    }
}

/// <summary>
/// An in-memory <see cref="ITunnelInterface"/>: <see cref="Inject"/> plays the local stack sending a packet into the
/// tunnel, <see cref="TryTakeReceived"/> collects what came out of it.
/// </summary>
public sealed class MemoryTunnelInterface : ITunnelInterface
{
    private readonly BlockingCollection<byte[]> _toTunnel = new();
    private readonly BlockingCollection<byte[]> _fromTunnel = new();
    private readonly CancellationTokenSource _closed = new();

    public MemoryTunnelInterface(TunnelInterfaceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
    }

    /// <summary>What the client configured.</summary>
    public TunnelInterfaceSettings Settings { get; }

    public string Name => Settings.Name;

    /// <summary>True once disposed (the session ended).</summary>
    public bool IsClosed => _closed.IsCancellationRequested;

    /// <summary>An IPv4 packet from the local stack, to be sent through the tunnel.</summary>
    public void Inject(ReadOnlySpan<byte> packet)
    {
        if (!_toTunnel.IsAddingCompleted)
            _toTunnel.Add(packet.ToArray());
    }

    /// <summary>Waits for a packet that came out of the tunnel.</summary>
    public bool TryTakeReceived(out byte[] packet, TimeSpan timeout)
    {
        try
        {
            return _fromTunnel.TryTake(out packet!, timeout);
        }
        catch (ObjectDisposedException)
        {
            packet = [];
            return false;
        }
    }

    public bool TryRead(Span<byte> destination, out int length, int timeoutMilliseconds)
    {
        return PacketQueue.TryTake(_toTunnel, destination, out length, timeoutMilliseconds, _closed.Token);
    }

    public void Write(ReadOnlySpan<byte> packet)
    {
        if (!_fromTunnel.IsAddingCompleted)
            _fromTunnel.Add(packet.ToArray());
    }

    public void Dispose()
    {
        if (_closed.IsCancellationRequested)
            return;
        _closed.Cancel();
        _toTunnel.CompleteAdding();
    }
}
