using CsCheck;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.Tests.Dataplane.Mppe;

public class Rc4Tests
{
    [Theory]
    [MemberData(nameof(Rfc6229), MemberType = typeof(Rc4Tests))]
    public void Rfc6229_Keystream(string key, int offset, string expected)
    {
        var rc4 = new Rc4(Convert.FromHexString(key));
        byte[] keystream = Rfc6229Vectors.Keystream(buffer => rc4.Transform(buffer));
        Assert.Equal(expected, Convert.ToHexStringLower(keystream, offset, 16));
    }

    [Theory]
    [MemberData(nameof(Rfc6229), MemberType = typeof(Rc4Tests))]
    public void Rfc6229_SkipThenTransform(string key, int offset, string expected)
    {
        var rc4 = new Rc4(Convert.FromHexString(key));
        rc4.Skip(offset);
        var block = new byte[16];
        rc4.Transform(block);
        Assert.Equal(expected, Convert.ToHexStringLower(block));
    }

    public static TheoryData<string, int, string> Rfc6229() => Rfc6229Vectors.Data();

    [Fact]
    public void SourceToDestination_EqualsInPlace_AndLeavesSourceAlone()
    {
        byte[] key = Convert.FromHexString("0102030405060708090a0b0c0d0e0f10");
        byte[] source = new byte[1400];
        new Random(7).NextBytes(source);
        byte[] original = (byte[])source.Clone();

        var a = new Rc4(key);
        var destination = new byte[1400];
        a.Transform(source, destination);

        var b = new Rc4(key);
        byte[] inPlace = (byte[])source.Clone();
        b.Transform(inPlace);

        Assert.Equal(inPlace, destination);
        Assert.Equal(original, source);
    }

    [Fact]
    public void CopiedStateContinuesTheSameStream()
    {
        // Stateful MPPE (RFC 3078 §7) keeps one keystream across packets; a copy of the state is a snapshot.
        var rc4 = new Rc4("Key"u8);
        var first = new byte[100];
        rc4.Transform(first);
        Rc4 snapshot = rc4;
        var a = new byte[333];
        var b = new byte[333];
        rc4.Transform(a);
        snapshot.Transform(b);
        Assert.Equal(a, b);
        Assert.NotEqual(first.AsSpan(0, 100).ToArray(), a.AsSpan(0, 100).ToArray());
    }

    [Fact]
    public void SetKey_ResetsTheStream()
    {
        var rc4 = new Rc4("Secret"u8);
        var first = new byte[40];
        rc4.Transform(first);
        rc4.SetKey("Secret"u8);
        var again = new byte[40];
        rc4.Transform(again);
        Assert.Equal(first, again);
    }

    [Fact]
    public void EncryptThenDecrypt_RoundTrips()
    {
        Gen.Select(Gen.Byte.Array[1, 32], Gen.Byte.Array[0, 2000]).Sample((key, plain) =>
        {
            var enc = new Rc4(key);
            var dec = new Rc4(key);
            var cipher = new byte[plain.Length];
            enc.Transform(plain, cipher);
            var back = new byte[plain.Length];
            dec.Transform(cipher, back);
            Assert.Equal(plain, back);
        }, iter: 200);
    }

    [Fact]
    public void SplittingTheInputAnywhere_GivesTheSameKeystream()
    {
        // The unrolled 8-octet path and the octet-by-octet tail must agree wherever a packet boundary falls.
        Gen.Select(Gen.Byte.Array[1, 32], Gen.Int[0, 600].Array[1, 8]).Sample((key, pieces) =>
        {
            int total = pieces.Sum();
            var whole = new Rc4(key);
            var expected = new byte[total];
            whole.Transform(expected);

            var split = new Rc4(key);
            var actual = new byte[total];
            int at = 0;
            foreach (int length in pieces)
            {
                split.Transform(actual.AsSpan(at, length));
                at += length;
            }
            Assert.Equal(expected, actual);
        }, iter: 200);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(257)]
    public void SetKey_RejectsInvalidLengths(int length)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Rc4(new byte[length]));
    }

    [Fact]
    public void Transform_RejectsAShortDestination()
    {
        var rc4 = new Rc4("k"u8);
        Assert.Throws<ArgumentException>(() => rc4.Transform(new byte[10], new byte[9]));
    }
}
