using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PptpGw.ControlPlane.Pools;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Load;

/// <summary>
/// The load tool's one GRE socket for every call (RFC 2637 §4): a raw IPv4 socket for protocol 47 with IP_HDRINCL, so
/// each packet carries the source address of its own PAC (the tool speaks from thousands of addresses, routed to its
/// namespace as local with <c>ip route add local PREFIX dev lo</c>); received packets are handed to the call named by
/// their destination address and GRE Key (our Call ID). One receive thread and one acknowledgment thread in all,
/// whatever the number of calls.
/// </summary>
/// <remarks>
/// This carries PPP control traffic only (a few packets per set-up and LCP echoes): the data path at millions of
/// packets per second is the dataplane's Worker in a client role, not this class.
/// </remarks>
internal sealed partial class GreMux : IDisposable
{
    private readonly Socket _socket;
    private readonly SocketAddress _server;
    private readonly uint _serverAddress;
    private readonly ConcurrentDictionary<ulong, LoadCall> _calls = new();
    private readonly ConcurrentQueue<(LoadCall Call, long Due)> _acks = new();
    private readonly long _ackDelayTicks;
    private readonly Thread _receiver;
    private readonly Thread _acknowledger;
    private volatile bool _stopping;
    private int _identification;
    private long _received, _sent, _unknown, _malformed, _sendErrors;

    /// <param name="server">The gateway's address: where every packet goes, the only source accepted.</param>
    /// <param name="acknowledgmentDelay">How long an acknowledgment may wait for a packet to ride on (RFC 2637 §4.4).</param>
    /// <exception cref="SocketException">No raw socket (root or CAP_NET_RAW is needed).</exception>
    public GreMux(IPAddress server, TimeSpan acknowledgmentDelay)
    {
        _serverAddress = Ipv4.FromIPAddress(server);
        _server = new IPEndPoint(server, 0).Serialize();
        _socket = OpenRawGreSocket();
        try
        {
            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.HeaderIncluded, true);
            // Forced past net.core.rmem_max/wmem_max when we may (SO_RCVBUFFORCE/SO_SNDBUFFORCE, socket(7); the tool runs
            // as root in its namespace): capped at rmem_max, the teardown's burst of Terminate-Acks and CDN-time GRE
            // overflowed the receive queue (~31,900 lost at 125,000 sessions).
            if (!TrySetForced(_socket, SoRcvBufForce, SocketBufferBytes))
                _socket.ReceiveBufferSize = SocketBufferBytes;
            if (!TrySetForced(_socket, SoSndBufForce, SocketBufferBytes))
                _socket.SendBufferSize = SocketBufferBytes;
            _socket.ReceiveTimeout = 200;
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
        _ackDelayTicks = Math.Max(1, (long)(acknowledgmentDelay.TotalSeconds * Stopwatch.Frequency));
        _receiver = new Thread(ReceiveLoop) { IsBackground = true, Name = "pgwload-gre-rx" };
        _acknowledger = new Thread(AcknowledgeLoop) { IsBackground = true, Name = "pgwload-gre-ack" };
        _receiver.Start();
        _acknowledger.Start();
    }

    private const int SolSocket = 1, SoRcvBufForce = 33, SoSndBufForce = 32;
    private const int SocketBufferBytes = 32 << 20;

    private static bool TrySetForced(Socket socket, int option, int bytes)
    {
        try
        {
            Span<byte> value = stackalloc byte[sizeof(int)];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(value, bytes);
            socket.SetRawSocketOption(SolSocket, option, value);
            return true;
        }
        catch (SocketException)
        {
            return false; // no CAP_NET_ADMIN: the plain option, capped by the sysctl
        }
    }

    /// <summary>
    /// socket(AF_INET, SOCK_RAW, IPPROTO_GRE) wrapped in a <see cref="Socket"/>: .NET's constructor accepts only the
    /// protocol numbers it knows, and 47 is not one of them.
    /// </summary>
    private static Socket OpenRawGreSocket()
    {
        const int AfInet = 2, SockRaw = 3, SockCloexec = 0x80000;
        int fd = NativeSocket(AfInet, SockRaw | SockCloexec, Ipv4Header.ProtocolGre);
        if (fd < 0)
            throw new SocketException(System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
        return new Socket(new SafeSocketHandle(fd, ownsHandle: true));
    }

    [System.Runtime.InteropServices.LibraryImport("libc.so.6", EntryPoint = "socket", SetLastError = true)]
    private static partial int NativeSocket(int domain, int type, int protocol);

    /// <summary>The gateway's address, host order.</summary>
    public uint ServerAddress => _serverAddress;

    /// <summary>GRE packets received for a known call / for no call / that did not parse; sent; refused by the kernel.</summary>
    public (long Received, long Unknown, long Malformed, long Sent, long SendErrors) Counters =>
        (Interlocked.Read(ref _received), Interlocked.Read(ref _unknown), Interlocked.Read(ref _malformed), Interlocked.Read(ref _sent),
            Interlocked.Read(ref _sendErrors));

    /// <summary>Packets for (<paramref name="localAddress"/>, <paramref name="callId"/>) go to <paramref name="call"/> from now on.</summary>
    public bool Register(uint localAddress, ushort callId, LoadCall call) => _calls.TryAdd(Key(localAddress, callId), call);

    public void Unregister(uint localAddress, ushort callId) => _calls.TryRemove(Key(localAddress, callId), out _);

    /// <summary>Is (address, call id) taken?</summary>
    public bool IsRegistered(uint localAddress, ushort callId) => _calls.ContainsKey(Key(localAddress, callId));

    /// <summary>
    /// Sends the GRE packet that starts at <paramref name="greOffset"/> of <paramref name="buffer"/> from
    /// <paramref name="sourceAddress"/>; the 20 octets in front of it take the IPv4 header (RFC 791).
    /// </summary>
    public void Send(Span<byte> buffer, int greOffset, int greLength, uint sourceAddress)
    {
        int start = greOffset - Ipv4Header.MinHeaderLength;
        if (start < 0 || Ipv4HeaderWriter.TryWriteHeader(buffer[start..], sourceAddress, _serverAddress, Ipv4Header.ProtocolGre, greLength,
                unchecked((ushort)Interlocked.Increment(ref _identification)), timeToLive: 64) < 0)
            return;
        try
        {
            _socket.SendTo(buffer.Slice(start, Ipv4Header.MinHeaderLength + greLength), SocketFlags.None, _server);
            Interlocked.Increment(ref _sent);
        }
        catch (SocketException)
        {
            Interlocked.Increment(ref _sendErrors); // ENOBUFS and the like: lost, as on a wire; PPP retransmits
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>The call owes an acknowledgment (RFC 2637 §4.2): it goes alone after the delay unless a packet carries it first.</summary>
    public void ScheduleAcknowledgment(LoadCall call) => _acks.Enqueue((call, Stopwatch.GetTimestamp() + _ackDelayTicks));

    private static ulong Key(uint localAddress, ushort callId) => ((ulong)localAddress << 16) | callId;

    private void ReceiveLoop()
    {
        byte[] buffer = new byte[65_536];
        while (!_stopping)
        {
            int length;
            try
            {
                length = _socket.Receive(buffer);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.Interrupted)
            {
                continue;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            Deliver(buffer.AsSpan(0, length));
        }
    }

    private void Deliver(ReadOnlySpan<byte> datagram)
    {
        // A raw socket hands over every GRE packet of the namespace with its IPv4 header (raw(7)).
        if (Ipv4Header.TryParse(datagram, out Ipv4Header ip) != Ipv4Error.None || ip.SourceAddress != _serverAddress || ip.IsFragment
            || EnhancedGrePacket.TryParse(ip.Payload, out EnhancedGrePacket gre) != EnhancedGreError.None)
        {
            Interlocked.Increment(ref _malformed);
            return;
        }
        if (!_calls.TryGetValue(Key(ip.DestinationAddress, gre.CallId), out LoadCall? call))
        {
            Interlocked.Increment(ref _unknown);
            return;
        }
        Interlocked.Increment(ref _received);
        call.ReceiveGre(ip.Payload, gre);
    }

    private void AcknowledgeLoop()
    {
        while (!_stopping)
        {
            long now = Stopwatch.GetTimestamp();
            // The delay is the same for every call, so the queue is in due order.
            while (_acks.TryPeek(out (LoadCall Call, long Due) head) && head.Due <= now)
            {
                _acks.TryDequeue(out _);
                head.Call.SendAcknowledgmentIfOwed();
            }
            Thread.Sleep(5);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _socket.Dispose();
        if (_receiver != Thread.CurrentThread)
            _receiver.Join();
        if (_acknowledger != Thread.CurrentThread)
            _acknowledger.Join();
    }
}
