using System.Globalization;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Control;
using PptpGw.Dataplane.Ports;
using PptpGw.Dataplane.Ports.Dpdk;
using PptpGw.Dataplane.Sessions;
using PptpGw.Dataplane.Workers;

namespace PptpGw.Gateway.Hosting;

/// <summary>
/// The dataplane backends of <c>gateway dataplane kernel|memory</c>: the polled user-space dataplane
/// (<see cref="DataplaneHost"/>, src/Dataplane/Workers) over kernel ports (a raw GRE socket on the outside address and
/// a TUN device on the inside) or over in-process memory ports.
/// </summary>
public static class Dataplanes
{
    /// <summary>The name the kernel backend gives its TUN device; the kernel numbers it (<c>pptpgw0</c> in a fresh namespace).</summary>
    public const string TunNameTemplate = "pptpgw%d";

    /// <summary>Where Linux says whether it forwards IPv4 between interfaces (per network namespace).</summary>
    private const string ForwardingSysctl = "/proc/sys/net/ipv4/ip_forward";

    /// <summary>The backend the configuration names, built and running (its worker threads started).</summary>
    /// <exception cref="GatewayStartupException">The kernel ports cannot be opened (not root, no TUN driver, the outside address is not local).</exception>
    public static IDataplaneControl Create(DataplaneContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        GatewayConfig config = context.Config;
        var options = new DataplaneOptions
        {
            SessionCapacity = Math.Clamp(config.Gateway.MaxSessions, 1, SessionTable.MaxCapacity),
            // gateway dpdk workers N: worker 0 does the DPDK ports' I/O and steers to the others (DpdkPortFactory).
            // gateway dataplane workers N: the kernel backend's workers, worker 0 steering (KernelPortFactory, issue 12).
            WorkerCount = config.Gateway.Dataplane switch
            {
                DataplaneBackend.Dpdk => config.Gateway.Dpdk.Workers,
                DataplaneBackend.Kernel => config.Gateway.DataplaneWorkers,
                _ => 1,
            },
            // DPDK: net_af_packet's default 2048-byte frames (2016 bytes of packet) must fit an mbuf after its 128-byte headroom.
            BufferSize = config.Gateway.Dataplane == DataplaneBackend.Dpdk ? DpdkPortOptions.BufferSize : PacketPool.DefaultBufferSize,
            // Issue 11: control bursts (a set-up window's or a teardown's thousands of PPP frames at once) overflowed the
            // default 4,096-entry worker → control ring while the drain thread waited for a core (measured on a loaded box:
            // the drain thread on a core 10-26 % of the time, 7,180 frames dropped at 20,000 sessions). A ring of 16,384
            // absorbs such bursts; it can hold at most half of the 32,768 buffers (each frame waits in its packet), so a
            // control flood cannot starve data of the pool. Full, it still drops and counts (control_ring_full).
            PoolCapacity = 32_768,
            ControlRingCapacity = 16_384,
        };
        IDataplanePortFactory ports = config.Gateway.Dataplane switch
        {
            DataplaneBackend.Kernel => KernelPorts(context),
            DataplaneBackend.Dpdk => DpdkPorts(config),
            _ => new MemoryPortFactory(),
        };
        DataplaneHost host;
        try
        {
            // The ports open on this thread, so in the network namespace the gateway process runs in.
            host = new DataplaneHost(options, ports, context.FrameSink);
        }
        catch (PortSetupException ex)
        {
            string backend = config.Gateway.Dataplane == DataplaneBackend.Dpdk ? "dpdk" : "kernel";
            throw new GatewayStartupException($"gateway dataplane {backend}: {ex.Message}", ex);
        }
        host.Start();
        if (ports is DpdkPortFactory { Ports: { } dpdk })
        {
            context.Log.Write(PixSeverity.Notification, string.Create(CultureInfo.InvariantCulture,
                $"dataplane dpdk: outside {dpdk.OutsideDevice.Devargs} ({dpdk.OutsideDevice.Mac}), inside {dpdk.InsideDevice.Devargs} ({dpdk.InsideDevice.Mac}), exception path {dpdk.ExceptionInterface} ({dpdk.ExceptionDevice.Devargs}), inside exception path {dpdk.InsideExceptionInterface ?? "off"}; {dpdk.Workers} worker{(dpdk.Workers == 1 ? "" : "s")}; {dpdk.Eal}"));
        }
        else if (host.InsideDeviceName is { } tun)
        {
            context.Log.Write(PixSeverity.Notification, string.Create(CultureInfo.InvariantCulture,
                $"dataplane kernel: GRE on {context.OutsideAddress}, inside interface {tun} ({config.InsideAddress?.ToString() ?? "unnumbered"}/32); {options.WorkerCount} worker{(options.WorkerCount == 1 ? "" : "s")}"));
            WarnIfNotForwarding(context.Log);
        }
        else
        {
            context.Log.Write(PixSeverity.Notification, "dataplane memory: in-process ports (no traffic leaves the process)");
        }
        // Issue 16: which RC4 loops run and why (measured at start-up or forced by PPTPGW_RC4_SCHEDULE); at the level of
        // the backend line above, so an operator comparing two hosts sees it. Rc4Schedules.Summary is the short form.
        context.Log.Write(PixSeverity.Notification, $"dataplane rc4: {PptpGw.Dataplane.Mppe.Rc4Schedules.Selection}");
        return host;
    }

    /// <summary>
    /// The kernel backend's ports. The TUN device gets the <c>ip address inside</c> address as a /32: that interface is
    /// the point-to-multipoint tunnel side (the pool's prefixes are routed into it, <see cref="InsideRoutes"/>), while
    /// the address's mask describes the inside LAN, reached through the host's real inside interface. Giving the TUN
    /// the LAN prefix would route the LAN into the tunnel, where no client owns those addresses.
    /// </summary>
    private static KernelPortFactory KernelPorts(DataplaneContext context) =>
        new(new KernelPortOptions
        {
            OutsideAddress = context.OutsideAddress,
            InsideInterfaceName = TunNameTemplate,
            InsideAddress = context.Config.InsideAddress,
            InsidePrefixLength = 32,
            SocketBufferBytes = KernelSocketBufferBytes,
            Workers = context.Config.Gateway.DataplaneWorkers,
        });

    /// <summary>
    /// The raw GRE socket's receive and send buffers: room for a burst of ~8,000 small packets while the worker is
    /// descheduled (the default ~200 KB dropped 4-6 % of a 256-in-flight set-up burst on a loaded box: issue 11).
    /// </summary>
    internal const int KernelSocketBufferBytes = 8 << 20;

    /// <summary>
    /// The DPDK backend's ports (<c>gateway dpdk ...</c> lines): the outside and inside devices with the interface
    /// addresses of <c>ip address outside|inside</c>, the exception path's TAP into the kernel.
    /// </summary>
    private static DpdkPortFactory DpdkPorts(GatewayConfig config)
    {
        DpdkConfig dpdk = config.Gateway.Dpdk;
        InterfaceConfig outside = config.FindInterface("outside") is { Address: not null } o ? o
            : throw new GatewayStartupException("gateway dataplane dpdk: no 'ip address outside A.B.C.D MASK' line");
        InterfaceConfig inside = config.FindInterface("inside") is { Address: not null } i ? i
            : throw new GatewayStartupException("gateway dataplane dpdk: no 'ip address inside A.B.C.D MASK' line");
        return new DpdkPortFactory(new DpdkPortOptions
        {
            EalArguments = [.. dpdk.EalArguments],
            OutsideDevargs = dpdk.OutsideDevargs ?? throw new GatewayStartupException("gateway dataplane dpdk: no 'gateway dpdk port outside DEVARGS' line"),
            InsideDevargs = dpdk.InsideDevargs ?? throw new GatewayStartupException("gateway dataplane dpdk: no 'gateway dpdk port inside DEVARGS' line"),
            ExceptionDevargs = dpdk.ExceptionDevargs,
            InsideExceptionInterfaceName = dpdk.InsideExceptionInterface,
            OutsideAddress = AddressConversion.ToHostOrder(outside.Address!),
            OutsidePrefixLength = PrefixLength(outside.Mask),
            OutsideNextHop = dpdk.OutsideNextHop is { } oh ? AddressConversion.ToHostOrder(oh) : 0,
            InsideAddress = AddressConversion.ToHostOrder(inside.Address!),
            InsidePrefixLength = PrefixLength(inside.Mask),
            InsideNextHop = dpdk.InsideNextHop is { } ih ? AddressConversion.ToHostOrder(ih) : 0,
            Workers = dpdk.Workers,
        });
    }

    private static int PrefixLength(System.Net.IPAddress? mask) =>
        mask is null ? 32 : System.Numerics.BitOperations.PopCount(AddressConversion.ToHostOrder(mask));

    /// <summary>
    /// Replies to clients that go beyond the gateway itself need the kernel to forward between the inside interface and
    /// the TUN device; that is the operator's decision (a global sysctl), so only a warning here.
    /// </summary>
    private static void WarnIfNotForwarding(GatewayLog log)
    {
        try
        {
            if (File.ReadAllText(ForwardingSysctl).Trim() == "0")
                log.Write(PixSeverity.Warning,
                    "net.ipv4.ip_forward is 0: clients reach only the gateway's own addresses; set it to 1 to route them to the inside network");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No /proc (a container without it): nothing to check.
        }
    }

    /// <summary>The name of the inside network device of a dataplane, when it has one (the kernel backend's TUN device).</summary>
    public static string? InsideDeviceName(IDataplaneControl dataplane) => (dataplane as DataplaneHost)?.InsideDeviceName;
}
