/* Runs a fuzz target without libFuzzer: over every file of the corpus
 * directories (or files) named on the command line, every prefix of each,
 * and a fixed, seeded set of single- and multi-byte mutations. The run is
 * deterministic, so a failure repeats. Under the sanitizers any memory
 * error fails the test. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define MUTATIONS_PER_INPUT 256
#define MAX_PREFIX_INPUT 4096

static guint64 rng_state = 0x9e3779b97f4a7c15ULL;

static guint64
rng_next (void)
{
  /* splitmix64 */
  guint64 z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static void
run_one (const guint8 *data, gsize len)
{
  /* Copy so that a read past the end is caught by ASan. */
  guint8 *copy = g_memdup2 (data, len);
  LLVMFuzzerTestOneInput (copy, len);
  g_free (copy);
}

static guint
run_input (const guint8 *data, gsize len)
{
  guint runs = 0;

  run_one (data, len);
  runs++;
  if (len <= MAX_PREFIX_INPUT)
    for (gsize i = 0; i < len; i++, runs++)
      run_one (data, i);

  if (len == 0)
    return runs;
  guint8 *m = g_malloc (len);
  static const guint8 interesting[] = { 0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff };
  for (guint k = 0; k < MUTATIONS_PER_INPUT; k++, runs++)
    {
      memcpy (m, data, len);
      guint n = 1 + (guint) (rng_next () % 4);
      for (guint j = 0; j < n; j++)
        {
          gsize pos = rng_next () % len;
          if (rng_next () & 1)
            m[pos] = interesting[rng_next () % sizeof interesting];
          else
            m[pos] ^= (guint8) (1u << (rng_next () % 8));
        }
      run_one (m, len);
    }
  g_free (m);
  return runs;
}

static gboolean
run_path (const gchar *path, guint *files, guint *runs)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GDir) dir = g_dir_open (path, 0, &error);
      if (dir == NULL)
        {
          fprintf (stderr, "%s\n", error->message);
          return FALSE;
        }
      GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
      const gchar *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (names, g_strdup (name));
      /* Sorted, so the mutation sequence is the same on every machine. */
      g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
      for (guint i = 0; i < names->len; i++)
        {
          const gchar *n = *(const gchar **) &names->pdata[i];
          g_autofree gchar *child = g_build_filename (path, n, NULL);
          if (!run_path (child, files, runs))
            {
              g_ptr_array_free (names, TRUE);
              return FALSE;
            }
        }
      g_ptr_array_free (names, TRUE);
      return TRUE;
    }

  g_autofree gchar *contents = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;
  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return FALSE;
    }
  *runs += run_input ((const guint8 *) contents, len);
  (*files)++;
  return TRUE;
}

int
main (int argc, char **argv)
{
  guint files = 0, runs = 0;

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
      return 2;
    }
  for (int i = 1; i < argc; i++)
    if (!run_path (argv[i], &files, &runs))
      return 1;
  if (files == 0)
    {
      fprintf (stderr, "no seed inputs found in the corpus\n");
      return 1;
    }
  printf ("%u seed inputs, %u runs\n", files, runs);
  return 0;
}
