using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace PptpGw.Gateway.Hosting;

/// <summary>
/// One gateway per admin socket: an exclusive <c>flock(2)</c> on <c>ADMIN-SOCKET.lock</c>, taken before anything else
/// starts (TUN device, pool routes, sockets), held until the gateway has stopped, and released by the kernel if the
/// process dies. A second instance on the same socket refuses to start and touches nothing of the first's.
/// </summary>
/// <remarks>
/// The file itself stays (it holds the last owner's PID): removing a lock file while another process may have it open
/// lets two processes lock two different inodes (the classic flock/unlink race); a leftover file costs nothing.
/// The lock is flock(2) called directly, not <see cref="FileShare"/>: .NET's emulation can be switched off
/// (DOTNET_SYSTEM_IO_DISABLEFILELOCKING) and would also block reading the owner's PID.
/// </remarks>
public sealed partial class InstanceLock : IDisposable
{
    private SafeFileHandle? _handle;

    private InstanceLock(string path, SafeFileHandle handle)
    {
        Path = path;
        _handle = handle;
    }

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>The lock file of an admin socket: the socket's path with <c>.lock</c> appended.</summary>
    public static string PathFor(string adminSocketPath) => adminSocketPath + ".lock";

    /// <summary>
    /// Takes the lock of <paramref name="adminSocketPath"/> without waiting, and checks that no process (one that predates
    /// the lock, or one whose lock file was removed) answers on the socket.
    /// </summary>
    /// <exception cref="GatewayStartupException">Another gateway holds the lock or answers on the socket, or the lock file cannot be created.</exception>
    public static InstanceLock Acquire(string adminSocketPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(adminSocketPath);
        string path = PathFor(adminSocketPath);
        string? dir = System.IO.Path.GetDirectoryName(path);
        try
        {
            if (!string.IsNullOrEmpty(dir))
                Directory.CreateDirectory(dir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new GatewayStartupException($"cannot create {dir} for the instance lock: {ex.Message}", ex);
        }

        int fd = Open(path, OpenReadWrite | OpenCreate | OpenCloseOnExec, 0x1A4 /* 0644 */);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new GatewayStartupException($"cannot open the instance lock {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (Flock(fd, LockExclusive | LockNonBlocking) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            if (errno == EWouldBlock)
            {
                throw new GatewayStartupException(
                    $"another pptpgw{OwnerText(path)} is running with the admin socket {adminSocketPath} (it holds {path}); " +
                    "not starting, and nothing of it was touched: stop it first, or give this instance its own 'gateway admin-socket', pool and listen address");
            }
            throw new GatewayStartupException($"cannot lock {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        var instanceLock = new InstanceLock(path, handle);
        try
        {
            if (Answers(adminSocketPath))
            {
                throw new GatewayStartupException(
                    $"a process answers on the admin socket {adminSocketPath} without holding {path} (a gateway started otherwise?); " +
                    "not starting, and nothing of it was touched");
            }
            byte[] pid = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}\n"));
            RandomAccess.SetLength(handle, 0);
            RandomAccess.Write(handle, pid, 0);
        }
        catch
        {
            instanceLock.Dispose();
            throw;
        }
        return instanceLock;
    }

    /// <summary>Releases the lock (closing the descriptor is what releases a flock).</summary>
    public void Dispose()
    {
        _handle?.Dispose();
        _handle = null;
    }

    /// <summary>True when a server accepts a connection on the Unix socket <paramref name="path"/>.</summary>
    private static bool Answers(string path)
    {
        if (!File.Exists(path))
            return false;
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false; // ECONNREFUSED: a stale socket file of a run that crashed; AdminServer replaces it
        }
    }

    /// <summary>" (pid N)" from the lock file, read without locking; empty when it cannot be read.</summary>
    private static string OwnerText(string path)
    {
        int fd = Open(path, OpenReadOnly | OpenCloseOnExec, 0);
        if (fd < 0)
            return string.Empty;
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        Span<byte> buffer = stackalloc byte[32];
        try
        {
            int read = RandomAccess.Read(handle, buffer, 0);
            return int.TryParse(Encoding.ASCII.GetString(buffer[..read]).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                ? string.Create(CultureInfo.InvariantCulture, $" (pid {pid})")
                : string.Empty;
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    // Linux values (x86-64 and arm64 share them): fcntl.h and sys/file.h.
    private const int OpenReadOnly = 0;
    private const int OpenReadWrite = 2;
    private const int OpenCreate = 0x40;
    private const int OpenCloseOnExec = 0x80000;
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;
    private const int EWouldBlock = 11;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);
}
