using PptpGw.ControlPlane.Config;
using PptpGw.Dataplane.Control;

namespace PptpGw.Gateway.Hosting;

/// <summary>
/// The dataplane backends of <c>gateway dataplane kernel|memory</c>. The polled user-space dataplane
/// (src/Dataplane/Workers) plugs in here; until it is part of the build, <see cref="Create"/> says so at start-up
/// (callers can always pass their own <see cref="DataplaneFactory"/>).
/// </summary>
public static class Dataplanes
{
    /// <summary>The backend the configuration names.</summary>
    /// <exception cref="GatewayStartupException">This build has no such backend.</exception>
    public static IDataplaneControl Create(DataplaneContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        string backend = context.Config.Gateway.Dataplane == DataplaneBackend.Kernel ? "kernel" : "memory";
        throw new GatewayStartupException(
            $"gateway dataplane {backend}: the dataplane workers (src/Dataplane/Workers) are not part of this build yet");
    }

    /// <summary>The name of the inside network device of a dataplane, when it has one (the kernel backend's TUN device).</summary>
    public static string? InsideDeviceName(IDataplaneControl dataplane) => dataplane is IInsideDevice device ? device.InsideDeviceName : null;
}

/// <summary>A dataplane whose inside is a kernel network device (TUN): the host routes the pool prefixes into it.</summary>
public interface IInsideDevice
{
    /// <summary>The interface name ("pgw0").</summary>
    string InsideDeviceName { get; }
}
