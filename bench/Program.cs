using BenchmarkDotNet.Running;

namespace PptpGw.Bench;

/// <summary>BenchmarkDotNet entry: <c>./build.sh bench [--filter *Rc4*]</c>; <c>rc4-race</c> runs <see cref="Rc4Race"/>, <c>dpdk-forward</c> <see cref="Dpdk.DpdkForward"/> (bench/dpdk-forward.sh), <c>worker-probe</c> <see cref="Dataplane.WorkerLoopProbe"/> (bench/kernel-throughput.sh --memory-port).</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "rc4-race")
            return Rc4Race.Run(args[1..]);
        if (args.Length > 0 && args[0] == "worker-probe")
            return Dataplane.WorkerLoopProbe.Run(args[1..]);
        if (args.Length > 0 && args[0] == "dpdk-forward")
            return Dpdk.DpdkForward.Run(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
