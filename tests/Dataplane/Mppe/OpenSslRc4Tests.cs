using CsCheck;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.Tests.Dataplane.Mppe;

/// <summary>A fact that is skipped, saying why, where libcrypto.so.3 is not installed.</summary>
public sealed class OpenSslFactAttribute : FactAttribute
{
    public OpenSslFactAttribute()
    {
        if (!OpenSslRc4.IsAvailable)
            Skip = $"{OpenSslRc4.LibraryName} with RC4_set_key/RC4 is not available";
    }
}

/// <summary>A theory that is skipped, saying why, where libcrypto.so.3 is not installed.</summary>
public sealed class OpenSslTheoryAttribute : TheoryAttribute
{
    public OpenSslTheoryAttribute()
    {
        if (!OpenSslRc4.IsAvailable)
            Skip = $"{OpenSslRc4.LibraryName} with RC4_set_key/RC4 is not available";
    }
}

public class OpenSslRc4Tests
{
    public static TheoryData<string, int, string> Rfc6229() => Rfc6229Vectors.Data();

    [OpenSslTheory]
    [MemberData(nameof(Rfc6229), MemberType = typeof(OpenSslRc4Tests))]
    public void Rfc6229_Keystream(string key, int offset, string expected)
    {
        using var rc4 = new OpenSslRc4(Convert.FromHexString(key));
        byte[] keystream = Rfc6229Vectors.Keystream(buffer => rc4.Transform(buffer));
        Assert.Equal(expected, Convert.ToHexStringLower(keystream, offset, 16));
    }

    [OpenSslFact]
    public void OurRc4_MatchesOpenSsl_OnRandomKeysAndData()
    {
        // Same keystream, packet after packet, for every key length MPPE uses and then some.
        Gen.Select(Gen.Byte.Array[1, 256], Gen.Int[0, 1600].Array[1, 6], Gen.Byte.Array[1600]).Sample((key, lengths, data) =>
        {
            var ours = new Rc4(key);
            using var theirs = new OpenSslRc4(key);
            foreach (int length in lengths)
            {
                ReadOnlySpan<byte> plain = data.AsSpan(0, length);
                var a = new byte[length];
                var b = new byte[length];
                ours.Transform(plain, a);
                theirs.Transform(plain, b);
                Assert.Equal(b, a);
            }
        }, iter: 200);
    }

    [OpenSslFact]
    public void CopyStateTo_ContinuesTheSameStream()
    {
        using var a = new OpenSslRc4("Key"u8);
        using var b = new OpenSslRc4("other key"u8);
        a.Transform(new byte[77]);
        a.CopyStateTo(b);
        var x = new byte[300];
        var y = new byte[300];
        a.Transform(x);
        b.Transform(y);
        Assert.Equal(x, y);
    }

    [OpenSslFact]
    public void Dispose_ThenUse_Throws()
    {
        var rc4 = new OpenSslRc4("k"u8);
        rc4.Dispose();
        rc4.Dispose(); // idempotent
        Assert.Throws<ObjectDisposedException>(() => rc4.Transform(new byte[4]));
    }

    [Fact]
    public void IsAvailable_MatchesWhetherTheLibraryLoads()
    {
        bool loads = System.Runtime.InteropServices.NativeLibrary.TryLoad(OpenSslRc4.LibraryName, out nint handle);
        bool exports = loads
            && System.Runtime.InteropServices.NativeLibrary.TryGetExport(handle, "RC4_set_key", out _)
            && System.Runtime.InteropServices.NativeLibrary.TryGetExport(handle, "RC4", out _);
        Assert.Equal(exports, OpenSslRc4.IsAvailable);
        if (!OpenSslRc4.IsAvailable)
            Assert.Throws<PlatformNotSupportedException>(() => new OpenSslRc4("k"u8));
    }
}
