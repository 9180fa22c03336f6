using System.Runtime.InteropServices;
using CsCheck;
using PptpGw.Dataplane.Mppe;

namespace PptpGw.Tests.Dataplane.Mppe;

/// <summary>
/// <see cref="Rc4.Rewind(Span{byte})"/>: running the keystream backwards undoes the forward transforms exactly — the
/// octets and the whole state (S-box, i, j) — whichever loop produced them (every single-stream schedule, the pair
/// loops), from any position of the stream, over random keys and lengths.
/// </summary>
public unsafe class Rc4RewindTests
{
    private static byte[] StateBytes(ref Rc4 cipher) => MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref cipher, 1)).ToArray();

    [Fact]
    public void Rewind_UndoesEveryScheduleFromAnyPosition()
    {
        var schedules = Rc4Schedules.Candidates.ToArray();
        Gen.Select(Gen.Byte.Array[1, 40], Gen.Int[0, 700], Gen.Int[0, 1600].Array[1, 10], Gen.Int[0, schedules.Length - 1]).Sample(
            (key, skip, lengths, pick) =>
            {
                var cipher = new Rc4(key);
                cipher.Skip(skip); // anywhere in the stream, any i and j
                byte[] before = StateBytes(ref cipher);
                var buffers = lengths.Select(n => { var b = new byte[n]; new Random(n + skip).NextBytes(b); return b; }).ToArray();
                var originals = buffers.Select(b => (byte[])b.Clone()).ToArray();
                foreach (byte[] buffer in buffers)
                {
                    fixed (byte* p = buffer)
                        Rc4.Transform1(schedules[pick], &cipher, p, p, buffer.Length);
                }
                for (int k = buffers.Length - 1; k >= 0; k--)
                    cipher.Rewind(buffers[k]);
                Assert.Equal(before, StateBytes(ref cipher));
                for (int k = 0; k < buffers.Length; k++)
                    Assert.Equal(originals[k], buffers[k]);
            }, iter: 300);
    }

    [Theory]
    [MemberData(nameof(Rc4ScheduleTests.PairSchedules), MemberType = typeof(Rc4ScheduleTests))]
    public void Rewind_UndoesThePairLoop(Rc4Schedule schedule)
    {
        Gen.Select(Gen.Byte.Array[16].Array[2], Gen.Int[0, 300].Array[2], Gen.Int[0, 1500].Array[2]).Sample((keys, skips, lengths) =>
        {
            Rc4* c = stackalloc Rc4[2];
            c[0] = new Rc4(keys[0]);
            c[1] = new Rc4(keys[1]);
            c[0].Skip(skips[0]);
            c[1].Skip(skips[1]);
            byte[] beforeA = StateBytes(ref c[0]), beforeB = StateBytes(ref c[1]);
            byte[] a = new byte[lengths[0]], b = new byte[lengths[1]];
            new Random(lengths[0]).NextBytes(a);
            new Random(lengths[1] + 1).NextBytes(b);
            byte[] a0 = (byte[])a.Clone(), b0 = (byte[])b.Clone();
            fixed (byte* pa = a)
            fixed (byte* pb = b)
                Rc4.Transform2(schedule, c, pa, a.Length, c + 1, pb, b.Length);
            c[0].Rewind(a);
            c[1].Rewind(b);
            Assert.Equal(beforeA, StateBytes(ref c[0]));
            Assert.Equal(beforeB, StateBytes(ref c[1]));
            Assert.Equal(a0, a);
            Assert.Equal(b0, b);
        }, iter: 150);
    }

    /// <summary>Rewinding a stretch of the RFC 6229 stream and producing it again gives the published octets.</summary>
    [Fact]
    public void RewoundStream_ReproducesRfc6229()
    {
        foreach (var (key, offset, expected) in Rfc6229Vectors.All)
        {
            var cipher = new Rc4(Convert.FromHexString(key));
            var stream = new byte[offset + 16];
            cipher.Transform(stream);
            byte[] tail = stream.AsSpan(offset).ToArray();
            cipher.Rewind(tail); // back to the state just before the vector's 16 octets, the octets zero again
            Assert.All(tail, b => Assert.Equal(0, b));
            cipher.Transform(tail);
            Assert.Equal(expected, Convert.ToHexStringLower(tail));
        }
    }
}
