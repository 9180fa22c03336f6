using BenchmarkDotNet.Attributes;
using PptpGw.Dataplane.Sessions;

namespace PptpGw.Bench.Dataplane.Sessions;

/// <summary>
/// Session lookups at 100,000 installed sessions, hits and misses from both sides, in bursts of 1,024 random keys
/// (random order defeats the prefetcher the way real traffic across many sessions does). Per-lookup times.
/// </summary>
[MemoryDiagnoser]
public class SessionTableBenchmarks
{
    private const int Sessions = 100_000;
    private const int Burst = 1024;

    private SessionTable _table = null!;
    private readonly uint[] _peers = new uint[Burst];
    private readonly ushort[] _callIds = new ushort[Burst];
    private readonly uint[] _tunnels = new uint[Burst];
    private readonly uint[] _missPeers = new uint[Burst];
    private readonly ushort[] _missCallIds = new ushort[Burst];
    private readonly uint[] _missTunnels = new uint[Burst];

    [GlobalSetup]
    public void Setup()
    {
        _table = new SessionTable(Sessions, workerCount: 1, seed: 1);
        var ids = new CallIdAllocator(random: new Random(1));
        var peers = new uint[Sessions];
        var callIds = new ushort[Sessions];
        for (int i = 0; i < Sessions; i++)
        {
            // Half the sessions behind 16 NAT addresses, half from their own address.
            peers[i] = i % 2 == 0 ? 0xC612_0000u + (uint)(i % 32) : 0xC613_0000u + (uint)i;
            if (!ids.TryAllocate(peers[i], out callIds[i]))
                throw new InvalidOperationException("call ids exhausted");
            var config = new SessionConfig(peers[i], callIds[i], (ushort)i, 0x6440_0001u + (uint)i, 0);
            if (_table.TryInstall(in config, out _) != SessionInstallError.None)
                throw new InvalidOperationException("install failed");
        }
        var random = new Random(7);
        for (int n = 0; n < Burst; n++)
        {
            int i = random.Next(Sessions);
            _peers[n] = peers[i];
            _callIds[n] = callIds[i];
            _tunnels[n] = 0x6440_0001u + (uint)i;
            _missPeers[n] = 0xC615_0000u + (uint)random.Next(65536);
            _missCallIds[n] = (ushort)random.Next(1, 65536);
            _missTunnels[n] = 0x6440_0001u + Sessions + (uint)random.Next(1 << 20);
        }
    }

    [Benchmark(OperationsPerInvoke = Burst)]
    public int OutsideHit()
    {
        int sum = 0;
        for (int n = 0; n < Burst; n++)
        {
            if (_table.TryLookupOutside(_peers[n], _callIds[n], out int slot))
                sum += _table.GetConfig(slot).PeerCallId;
        }
        _table.Quiescent(0);
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Burst)]
    public int OutsideMiss()
    {
        int sum = 0;
        for (int n = 0; n < Burst; n++)
        {
            if (_table.TryLookupOutside(_missPeers[n], _missCallIds[n], out int slot))
                sum += slot;
        }
        _table.Quiescent(0);
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Burst)]
    public int InsideHit()
    {
        int sum = 0;
        for (int n = 0; n < Burst; n++)
        {
            if (_table.TryLookupInside(_tunnels[n], out int slot))
                sum += _table.GetConfig(slot).PeerCallId;
        }
        _table.Quiescent(0);
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Burst)]
    public int InsideMiss()
    {
        int sum = 0;
        for (int n = 0; n < Burst; n++)
        {
            if (_table.TryLookupInside(_missTunnels[n], out int slot))
                sum += slot;
        }
        _table.Quiescent(0);
        return sum;
    }
}
