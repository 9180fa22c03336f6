using System.Runtime.InteropServices;
using System.Text;

namespace PptpGw.Dataplane.Ports.Dpdk;

/// <summary>
/// DPDK's Environment Abstraction Layer, once per process: <c>rte_eal_init</c> runs on a dedicated thread that then
/// only waits for <see cref="Dispose"/> to call <c>rte_eal_cleanup</c> from the same thread. The EAL pins the thread
/// that initialises it to the main lcore, and every thread created by a pinned thread inherits the mask; doing it on a
/// thread of its own keeps the .NET runtime's threads (and the gateway's workers) unpinned. Workers become lcores with
/// <see cref="RegisterThread"/> (<c>rte_thread_register</c>), so mempool caches work for them.
/// </summary>
/// <remarks>
/// DPDK cannot be initialised again after cleanup in one process; <see cref="Initialize"/> refuses a second call.
/// </remarks>
public sealed unsafe class DpdkEal : IDisposable
{
    private static readonly Lock Gate = new();
    private static DpdkEal? _current;
    private static bool _used;

    private readonly Thread _thread;
    private readonly SemaphoreSlim _stop = new(0);
    private readonly TaskCompletionSource<int> _cleaned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _disposed;

    private DpdkEal(IReadOnlyList<string> arguments, Thread thread)
    {
        Arguments = arguments;
        _thread = thread;
    }

    /// <summary>The argv given to rte_eal_init (without argv[0]).</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>The running EAL, if any.</summary>
    public static DpdkEal? Current
    {
        get
        {
            lock (Gate)
                return _current;
        }
    }

    /// <summary>
    /// The arguments actually used: <paramref name="configured"/> plus <c>--lcores 0@(0-N)</c> (the main lcore floats
    /// over every CPU) unless it names lcores itself, and <c>--file-prefix pptpgw</c> unless it names one.
    /// </summary>
    public static List<string> WithDefaults(IReadOnlyList<string> configured)
    {
        ArgumentNullException.ThrowIfNull(configured);
        var args = new List<string>(configured);
        static bool Has(List<string> a, params string[] names) =>
            a.Exists(x => Array.Exists(names, n => x == n || x.StartsWith(n + "=", StringComparison.Ordinal) || (n.Length == 2 && x.StartsWith(n, StringComparison.Ordinal) && x.Length > 2)));
        if (!Has(args, "-l", "-c", "--lcores"))
        {
            int last = Math.Max(0, Environment.ProcessorCount - 1);
            args.Add("--lcores");
            args.Add(last == 0 ? "0@0" : $"0@(0-{last})");
        }

        if (!Has(args, "--file-prefix"))
        {
            args.Add("--file-prefix");
            args.Add("pptpgw");
        }

        return args;
    }

    /// <summary>Loads libdpdk and runs rte_eal_init on a dedicated thread.</summary>
    /// <exception cref="PortSetupException">libdpdk is missing, or the EAL refused the arguments.</exception>
    public static DpdkEal Initialize(IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (!DpdkNative.TryLoad(out string? error))
            throw new PortSetupException(error!);
        lock (Gate)
        {
            if (_used)
                throw new PortSetupException(_current is not null
                    ? "the DPDK EAL is already running in this process (one dataplane per process)"
                    : "the DPDK EAL cannot be initialised again in a process after rte_eal_cleanup");
            _used = true;
            var ready = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
            DpdkEal? eal = null;
            var thread = new Thread(() => Run(arguments, ready, () => eal!))
            {
                IsBackground = true,
                Name = "pptpgw-dpdk-eal",
            };
            eal = new DpdkEal(arguments, thread);
            thread.Start();
            string? failure = ready.Task.GetAwaiter().GetResult();
            if (failure is not null)
                throw new PortSetupException(failure);
            _current = eal;
            return eal;
        }
    }

    /// <summary>Makes the calling thread an EAL thread (an lcore id; mempool caches). Idempotent.</summary>
    public static void RegisterThread()
    {
        if (DpdkNative.LcoreId() != uint.MaxValue)
            return;
        if (DpdkNative.ThreadRegister() != 0)
            throw new PortSetupException($"rte_thread_register: {DpdkNative.LastError()}");
    }

    /// <summary>Gives the calling thread's lcore id back (after its last burst).</summary>
    public static void UnregisterThread() => DpdkNative.ThreadUnregister();

    /// <summary>rte_eal_cleanup on the EAL thread (after every port is closed).</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            _current = null;
        }

        _stop.Release();
        _cleaned.Task.Wait(TimeSpan.FromSeconds(10));
        _thread.Join(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    private static void Run(IReadOnlyList<string> arguments, TaskCompletionSource<string?> ready, Func<DpdkEal> self)
    {
        var argv = new List<string>(arguments.Count + 1) { "pptpgw" };
        argv.AddRange(arguments);
        nint[] strings = new nint[argv.Count + 1];
        int rc;
        try
        {
            for (int i = 0; i < argv.Count; i++)
                strings[i] = Marshal.StringToCoTaskMemUTF8(argv[i]);
            // rte_eal_init may permute argv: it gets a copy, the originals are freed below.
            nint* copy = stackalloc nint[strings.Length];
            for (int i = 0; i < strings.Length; i++)
                copy[i] = strings[i];
            rc = DpdkNative.EalInit(argv.Count, (byte**)copy);
        }
        finally
        {
            // The EAL keeps no pointer into argv after init (it copies what it stores).
            foreach (nint s in strings)
            {
                if (s != 0)
                    Marshal.FreeCoTaskMem(s);
            }
        }

        if (rc < 0)
        {
            ready.SetResult($"rte_eal_init({string.Join(' ', arguments)}): {DpdkNative.LastError()}");
            return;
        }

        ready.SetResult(null);
        DpdkEal eal = self();
        eal._stop.Wait();
        _ = DpdkNative.EalCleanup();
        eal._cleaned.TrySetResult(0);
    }

    /// <summary>A readable argv for logs.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("EAL");
        foreach (string a in Arguments)
            sb.Append(' ').Append(a);
        return sb.ToString();
    }
}
