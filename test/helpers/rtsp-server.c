/*
 * A local RTSP camera for tests: serves one GStreamer launch description at rtsp://127.0.0.1:<port>/cam.
 *
 *   rtsp-server <port | 0> '<launch description ending in a payloader named pay0>'
 *
 * Prints "port <n>" on stdout once it listens (0 picks a free port). Each client gets its own media
 * (not shared), so a reconnecting client starts the description afresh. Compiled by
 * test/helpers/rtsp-server.ts with gcc and pkg-config (libgstrtspserver-1.0-dev).
 */
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <stdio.h>

int main(int argc, char *argv[]) {
  gst_init(&argc, &argv);
  if (argc != 3) {
    fprintf(stderr, "usage: %s <port|0> '<launch description with pay0>'\n", argv[0]);
    return 2;
  }
  GMainLoop *loop = g_main_loop_new(NULL, FALSE);
  GstRTSPServer *server = gst_rtsp_server_new();
  gst_rtsp_server_set_address(server, "127.0.0.1");
  gst_rtsp_server_set_service(server, argv[1]);
  GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server);
  GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();
  gst_rtsp_media_factory_set_launch(factory, argv[2]);
  gst_rtsp_media_factory_set_shared(factory, FALSE);
  gst_rtsp_mount_points_add_factory(mounts, "/cam", factory);
  g_object_unref(mounts);
  if (gst_rtsp_server_attach(server, NULL) == 0) {
    fprintf(stderr, "rtsp-server: cannot listen on 127.0.0.1:%s\n", argv[1]);
    return 1;
  }
  printf("port %d\n", gst_rtsp_server_get_bound_port(server));
  fflush(stdout);
  g_main_loop_run(loop);
  return 0;
}
