using BenchmarkDotNet.Running;

namespace PptpGw.Bench;

/// <summary>BenchmarkDotNet entry: <c>./build.sh bench [--filter *Rc4*]</c>.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
