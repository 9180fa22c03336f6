using System.Net;
using PptpGw.Dataplane.Buffers;

namespace PptpGw.Dataplane.Ports;

/// <summary>Settings of the kernel backend.</summary>
public sealed record KernelPortOptions
{
    /// <summary>The outside address the raw GRE socket binds to (must be configured on the host).</summary>
    public required IPAddress OutsideAddress { get; init; }

    /// <summary>TUN interface name; <c>%d</c> lets the kernel number it.</summary>
    public string InsideInterfaceName { get; init; } = "pgw%d";

    /// <summary>Address to give the TUN interface, or null to leave it unnumbered.</summary>
    public IPAddress? InsideAddress { get; init; }

    /// <summary>Prefix length of <see cref="InsideAddress"/>.</summary>
    public int InsidePrefixLength { get; init; } = 24;

    /// <summary>TUN MTU: 1400 leaves room for IPv4 + GRE + PPP + MPPE inside a 1500-byte outside MTU.</summary>
    public int InsideMtu { get; init; } = 1400;

    /// <summary>Raw socket buffer size to request (0 = kernel default); see <see cref="RawGreSocket.DefaultSocketBufferBytes"/>.</summary>
    public int SocketBufferBytes { get; init; } = RawGreSocket.DefaultSocketBufferBytes;

    /// <summary>TUN transmit queue length (packets the kernel holds for the gateway to read); see <see cref="TunDevice.DefaultTxQueueLength"/>.</summary>
    public int InsideTxQueueLength { get; init; } = TunDevice.DefaultTxQueueLength;

    /// <summary>
    /// Write consecutive TCP segments of a flow to the TUN as one super-packet (IFF_VNET_HDR, GSO TCPV4; issue 12):
    /// the kernel's receive path then runs once per super-packet instead of once per segment.
    /// </summary>
    public bool InsideCoalesceTcp { get; init; } = true;

    /// <summary>
    /// Offer the kernel TSO4 on the TUN (TUNSETOFFLOAD, issue 12) and segment the TCP super-packets it hands over in the
    /// port: one read per super-packet instead of one per segment, and no segmentation in the kernel's transmit path.
    /// </summary>
    public bool InsideSegmentTcp { get; init; } = true;

    /// <summary>
    /// Dataplane workers (<c>gateway dataplane workers N</c>, issue 12): with more than one, worker 0 does the I/O of both
    /// descriptors and steers packets to their session's worker (<see cref="KernelDispatchPort"/>). 1 by default.
    /// </summary>
    public int Workers { get; init; } = 1;

    /// <summary>
    /// Turns an idle worker spins before it waits in poll(2) (<see cref="Workers.DataplanePortPair.IdleSpinTurns"/>).
    /// Each turn here is two system calls that find nothing (recvmmsg and a TUN read), and on a box where the client,
    /// iperf3 and the kernel's softirq work share the cores, the spin took CPU they needed (issue 12: 15 % of the
    /// gateway's samples in a TCP upload were the spin). <c>PPTPGW_KERNEL_IDLE_SPIN_TURNS</c> overrides the default
    /// for benchmarks.
    /// </summary>
    public int IdleSpinTurns { get; init; } = DefaultIdleSpinTurns;

    /// <summary>The default of <see cref="IdleSpinTurns"/> (see there); the environment may override it.</summary>
    public static int DefaultIdleSpinTurns { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("PPTPGW_KERNEL_IDLE_SPIN_TURNS"), out int turns) && turns >= 0 ? turns : 4;

    /// <summary>Port id of the outside port.</summary>
    public ushort OutsidePortId { get; init; }

    /// <summary>Port id of the inside port.</summary>
    public ushort InsidePortId { get; init; } = 1;
}

/// <summary>
/// The embedded default backend, needing nothing installed: the outside port is a
/// <see cref="RawGreSocket"/>, the inside port a <see cref="TunDevice"/>.
/// </summary>
public sealed class KernelPort : IDisposable
{
    private KernelPort(RawGreSocket outside, TunDevice inside)
    {
        Outside = outside;
        Inside = inside;
    }

    /// <summary>GRE to and from the PPTP clients.</summary>
    public RawGreSocket Outside { get; }

    /// <summary>IPv4 to and from the inside network.</summary>
    public TunDevice Inside { get; }

    /// <summary>Opens both ports in the calling thread's network namespace; the TUN interface is configured and up.</summary>
    /// <exception cref="PortSetupException">A system call failed; nothing is left open.</exception>
    public static KernelPort Create(PacketPool pool, KernelPortOptions options)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(options);
        var outside = new RawGreSocket(pool, options.OutsideAddress, options.OutsidePortId, options.SocketBufferBytes);
        TunDevice? inside = null;
        try
        {
            inside = new TunDevice(pool, options.InsideInterfaceName, options.InsidePortId, options.InsideTxQueueLength, options.InsideCoalesceTcp,
                options.InsideSegmentTcp);
            if (options.InsideAddress is not null)
            {
                inside.SetAddress(options.InsideAddress, options.InsidePrefixLength);
            }

            inside.SetMtu(options.InsideMtu);
            inside.SetUp(true);
            return new KernelPort(outside, inside);
        }
        catch
        {
            inside?.Dispose();
            outside.Dispose();
            throw;
        }
    }

    /// <summary>Waits until either port has a packet to read (one poll(2) on both descriptors).</summary>
    /// <param name="timeoutMilliseconds">-1 waits indefinitely, 0 only checks.</param>
    /// <returns>True when at least one is readable.</returns>
    public bool WaitReadable(int timeoutMilliseconds) =>
        Inside.PendingSegments > 0 || PollReadable(Outside.FileDescriptor, Inside.FileDescriptor, timeoutMilliseconds) != 0;

    /// <summary>Closes both ports.</summary>
    public void Dispose()
    {
        Inside.Dispose();
        Outside.Dispose();
    }

    /// <summary>poll(2) for POLLIN on one or two descriptors (<paramref name="fd2"/> = -1 for one); returns the number ready, 0 on timeout or EINTR.</summary>
    internal static unsafe int PollReadable(int fd1, int fd2, int timeoutMilliseconds)
    {
        Libc.PollFd* fds = stackalloc Libc.PollFd[2];
        fds[0] = new Libc.PollFd { Fd = fd1, Events = Libc.POLLIN };
        fds[1] = new Libc.PollFd { Fd = fd2, Events = Libc.POLLIN };
        int ready = Libc.Poll(fds, fd2 < 0 ? 1u : 2u, timeoutMilliseconds);
        return ready < 0 ? 0 : ready;
    }
}
