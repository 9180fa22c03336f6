using System.Diagnostics;
using System.Globalization;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Ports;

namespace PptpGw.Client;

/// <summary>
/// The production <see cref="ITunnelInterface"/>: a Linux TUN device (the dataplane's <see cref="TunDevice"/>) set up
/// as pppd sets up ppp0: our address with the server's as point-to-point peer (so the peer route exists), the MTU,
/// up, and the extra routes through it. Addresses and routes use iproute2's <c>ip</c> (as pppd's ip-up scripts do);
/// the device itself disappears when it is closed, taking its addresses and routes with it.
/// Needs root or CAP_NET_ADMIN.
/// </summary>
public sealed class KernelTunnelInterface : ITunnelInterface
{
    private readonly PacketPool _pool;
    private readonly TunDevice _tun;
    // One slot per direction: Read runs on the TUN-reading thread and Write on the GRE-receiving thread, and a shared
    // slot let one thread's handle be freed by the other (a double free seen in CI).
    private readonly PacketHandle[] _readOne = new PacketHandle[1];
    private readonly PacketHandle[] _writeOne = new PacketHandle[1];

    /// <exception cref="PortSetupException">The device or its configuration failed.</exception>
    public KernelTunnelInterface(TunnelInterfaceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _pool = new PacketPool(capacity: 512);
        try
        {
            _tun = new TunDevice(_pool, settings.Name);
        }
        catch
        {
            _pool.Dispose();
            throw;
        }
        try
        {
            Ip("addr", "add", $"{settings.LocalAddress}/32", "peer", $"{settings.PeerAddress}/32", "dev", _tun.Name);
            _tun.SetMtu(settings.Mtu);
            _tun.SetUp(true);
            foreach (Ipv4Prefix route in settings.Routes)
                Ip("route", "replace", route.ToString(), "dev", _tun.Name);
        }
        catch
        {
            _tun.Dispose();
            _pool.Dispose();
            throw;
        }
    }

    public string Name => _tun.Name;

    /// <summary>The device's counters.</summary>
    public PortCounters Counters => _tun.Counters;

    public bool TryRead(Span<byte> destination, out int length, int timeoutMilliseconds)
    {
        length = 0;
        if (!_tun.WaitReadable(timeoutMilliseconds) || _tun.ReceiveBurst(_readOne) == 0)
            return false;
        PacketHandle packet = _readOne[0];
        bool fits = packet.Length <= destination.Length;
        if (fits)
        {
            packet.Data.CopyTo(destination);
            length = packet.Length;
        }
        _pool.Free(packet);
        return fits;
    }

    public void Write(ReadOnlySpan<byte> packet)
    {
        if (!_pool.TryAllocate(out PacketHandle handle))
            return;
        if (!handle.TrySetData(_pool.Headroom, packet.Length))
        {
            _pool.Free(handle);
            return;
        }
        packet.CopyTo(handle.Data);
        _writeOne[0] = handle;
        if (_tun.TransmitBurst(_writeOne) == 0)
            _pool.Free(handle);
    }

    public void Dispose()
    {
        _tun.Dispose();
        _pool.Dispose();
    }

    /// <summary>Runs <c>ip ARGS</c>; throws <see cref="PortSetupException"/> with its error output when it fails.</summary>
    internal static void Ip(params string[] arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        string command = "ip " + string.Join(' ', arguments);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new PortSetupException($"{command}: could not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new PortSetupException($"{command}: iproute2's 'ip' is needed to configure the tunnel interface ({e.Message})", e);
        }
        using (process)
        {
            string error = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(10_000))
            {
                process.Kill();
                throw new PortSetupException($"{command}: no answer in 10 s");
            }
            if (process.ExitCode != 0)
                throw new PortSetupException(string.Create(CultureInfo.InvariantCulture, $"{command} failed ({process.ExitCode}): {error.Trim()}"));
        }
    }
}
