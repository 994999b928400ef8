import java.io.*;
import java.util.zip.*;
public class ZipCheck {
    public static void main(String[] args) throws Exception {
        try (ZipInputStream in = new ZipInputStream(new FileInputStream(args[0]))) {
            ZipEntry e; byte[] buf = new byte[65536]; int n = 0;
            while ((e = in.getNextEntry()) != null) { long total = 0; int r; while ((r = in.read(buf)) > 0) total += r; System.out.println(e.getName() + " " + total); n++; }
            System.out.println("entries " + n);
        }
    }
}
