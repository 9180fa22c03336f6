using BenchmarkDotNet.Attributes;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Workers;

namespace PptpGw.Bench.Dataplane;

/// <summary>
/// What <c>gateway metrics</c> costs the fast path: the worker's closed loop (<see cref="WorkerBenchmarks.DecapsulateDecryptAndBack"/>,
/// stateless MPPE-128, 32 sessions) with nobody reading (<see cref="Scrape"/> false) and with a second thread reading
/// every figure the metrics export (<c>GatewayMetrics</c>' observable callbacks: <see cref="Worker.Traffic"/>,
/// <see cref="Worker.GetDrops"/> for every reason, <see cref="Worker.MppeKeyChanges"/>) every
/// <see cref="ScrapeIntervalMilliseconds"/> ms: 1,500 times Prometheus' default 15 s interval. The exporter's own work
/// (aggregation, text) runs on the scraping thread and shares no data with the worker, so it is left out here.
/// Run: <c>./build.sh bench --filter *WorkerScrapeBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PacketRateConfig))]
public class WorkerScrapeBenchmarks
{
    public const int ScrapeIntervalMilliseconds = 10;

    private WorkerRig _rig = null!;
    private Thread? _scraper;
    private volatile bool _stop;

    /// <summary>IPv4 datagram size.</summary>
    [Params(512)]
    public int Size { get; set; }

    /// <summary>A thread reads the metrics' sources meanwhile.</summary>
    [Params(false, true)]
    public bool Scrape { get; set; }

    /// <summary>Scrapes done in the run (printed at cleanup, so a run that never scraped is seen).</summary>
    public static long Scrapes { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        _rig = new WorkerRig(Size, sessions: 32, mppe: true, stateless: true);
        _rig.PrimeLoop();
        if (!Scrape)
            return;
        Worker worker = _rig.Worker;
        _scraper = new Thread(() =>
        {
            ulong sink = 0;
            while (!_stop)
            {
                WorkerTraffic t = worker.Traffic;
                sink += t.OutsideReceived + t.InsideDelivered + t.InsideReceived + t.OutsideSent + t.ResetRequestsSignalled;
                for (int r = 1; r < DataplaneCounters.ReasonCount; r++)
                    sink += worker.GetDrops((DataplaneDropReason)r);
                sink += worker.MppeKeyChanges;
                Scrapes++;
                Thread.Sleep(ScrapeIntervalMilliseconds);
            }
            GC.KeepAlive(sink);
        }) { IsBackground = true, Name = "scraper" };
        _scraper.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop = true;
        _scraper?.Join();
        if (Scrape)
            Console.WriteLine($"// scrapes during the run: {Scrapes}");
        _rig.Dispose();
    }

    [Benchmark(OperationsPerInvoke = PacketBurst.Size, Description = "outside → decapsulate + decrypt → inside, and back")]
    public int DecapsulateDecryptAndBack() => _rig.Loop();
}
