using System.Globalization;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;
using PptpGw.Dataplane.Control;
using PptpGw.Dataplane.Ports;
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
            WorkerCount = 1,
        };
        IDataplanePortFactory ports = config.Gateway.Dataplane == DataplaneBackend.Kernel
            ? KernelPorts(context)
            : new MemoryPortFactory();
        DataplaneHost host;
        try
        {
            // The ports open on this thread, so in the network namespace the gateway process runs in.
            host = new DataplaneHost(options, ports, context.FrameSink);
        }
        catch (PortSetupException ex)
        {
            throw new GatewayStartupException($"gateway dataplane kernel: {ex.Message}", ex);
        }
        host.Start();
        if (host.InsideDeviceName is { } tun)
        {
            context.Log.Write(PixSeverity.Notification, string.Create(CultureInfo.InvariantCulture,
                $"dataplane kernel: GRE on {context.OutsideAddress}, inside interface {tun} ({config.InsideAddress?.ToString() ?? "unnumbered"}/32)"));
            WarnIfNotForwarding(context.Log);
        }
        else
        {
            context.Log.Write(PixSeverity.Notification, "dataplane memory: in-process ports (no traffic leaves the process)");
        }
        // Issue 16: which RC4 loops the start-up self-measurement picked (Rc4Schedules.Summary for show views/metrics).
        context.Log.Write(PixSeverity.Informational, $"dataplane rc4: {PptpGw.Dataplane.Mppe.Rc4Schedules.Selection}");
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
        });

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
    public static string? InsideDeviceName(IDataplaneControl dataplane) => dataplane switch
    {
        IInsideDevice device => device.InsideDeviceName,
        DataplaneHost host => host.InsideDeviceName,
        _ => null,
    };
}

/// <summary>A dataplane whose inside is a kernel network device (TUN): the host routes the pool prefixes into it.</summary>
public interface IInsideDevice
{
    /// <summary>The interface name ("pptpgw0").</summary>
    string InsideDeviceName { get; }
}
