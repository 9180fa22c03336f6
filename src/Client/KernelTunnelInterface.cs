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
/// <remarks>
/// The device has the gateway's offloads (issue 12): TSO on reads (the local stack's TCP super-packets come in one read
/// and are segmented here, <see cref="TunDevice"/> segmentTcp) and GRO-style coalescing on writes (consecutive segments
/// of a flow written as one super-packet, coalesceTcp). Reads are taken a burst at a time and handed out one by one;
/// writes are held until <see cref="Flush"/> (the data path calls it before it waits for more GRE) or a burst is full.
/// </remarks>
public sealed class KernelTunnelInterface : ITunnelInterface
{
    private readonly PacketPool _pool;
    private readonly TunDevice _tun;
    // One slot per direction: Read runs on the TUN-reading thread and Write on the GRE-receiving thread, and a shared
    // slot let one thread's handle be freed by the other (a double free seen in CI).
    private readonly PacketHandle[] _read = new PacketHandle[PacketBurst.Size];
    private readonly PacketHandle[] _write = new PacketHandle[PacketBurst.Size];
    private int _readNext;
    private int _readCount;
    private int _writeCount;

    /// <exception cref="PortSetupException">The device or its configuration failed.</exception>
    public KernelTunnelInterface(TunnelInterfaceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _pool = new PacketPool(capacity: 512);
        try
        {
            _tun = new TunDevice(_pool, settings.Name, coalesceTcp: true, segmentTcp: true);
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
        if (_readNext == _readCount)
        {
            _readNext = _readCount = 0;
            // A look without waiting is the read itself (EAGAIN when empty): no poll(2) in front of it.
            if (timeoutMilliseconds != 0 && !_tun.WaitReadable(timeoutMilliseconds))
                return false;
            _readCount = _tun.ReceiveBurst(_read);
            if (_readCount == 0)
                return false;
        }
        PacketHandle packet = _read[_readNext++];
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
        _write[_writeCount++] = handle;
        if (_writeCount == _write.Length)
            Flush();
    }

    /// <summary>Writes what <see cref="Write"/> holds: consecutive TCP segments of a flow as one super-packet.</summary>
    public void Flush()
    {
        if (_writeCount == 0)
            return;
        int taken = _tun.TransmitBurst(_write.AsSpan(0, _writeCount));
        if (taken < _writeCount)
            _pool.FreeBurst(_write.AsSpan(taken, _writeCount - taken)); // a full device queue: dropped, as the kernel would
        _writeCount = 0;
    }

    public void Dispose()
    {
        for (int i = _readNext; i < _readCount; i++)
            _pool.Free(_read[i]);
        _readNext = _readCount = 0;
        if (_writeCount > 0)
            _pool.FreeBurst(_write.AsSpan(0, _writeCount));
        _writeCount = 0;
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
