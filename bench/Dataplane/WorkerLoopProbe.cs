using System.Diagnostics;
using System.Globalization;
using PptpGw.Dataplane.Workers;

namespace PptpGw.Bench.Dataplane;

/// <summary>
/// <c>worker-probe [SECONDS]</c>: the memory-port full path (<see cref="WorkerRig.Loop"/>: outside → decapsulate +
/// decrypt → inside and back, MPPE-128 stateless, one session) run for a few seconds, reported as CPU time per packet
/// counted the way bench/kernel-throughput.sh counts the kernel port's (packets the worker took in: outside + inside),
/// so the two figures can come from one run (issue 12: kernel port ≤ 2× the memory port). Not BenchmarkDotNet: a
/// few seconds beside the iperf3 runs, on a loaded host, where process CPU time is the robust figure.
/// </summary>
internal static class WorkerLoopProbe
{
    public static int Run(string[] args)
    {
        double seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        foreach (int size in (int[])[1400, 64])
        {
            using var rig = new WorkerRig(size, sessions: 1, mppe: true, stateless: true);
            rig.PrimeLoop();
            for (int i = 0; i < 2000; i++)
                _ = rig.Loop(); // JIT tiers up
            DataplaneCounters before = rig.Counters;
            TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            while (wall.Elapsed.TotalSeconds < seconds)
            {
                for (int i = 0; i < 256; i++)
                    _ = rig.Loop();
            }

            wall.Stop();
            TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
            DataplaneCounters after = rig.Counters;
            ulong packets = after.Traffic.OutsideReceived + after.Traffic.InsideReceived - before.Traffic.OutsideReceived - before.Traffic.InsideReceived;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"memory-port full path, MPPE-128 stateless, 1 session, {size} B: cpu_us_per_pkt={cpu.TotalMicroseconds / packets:F2} wall_us_per_pkt={wall.Elapsed.TotalMicroseconds / packets:F2} pkts={packets}"));
        }

        return 0;
    }
}
