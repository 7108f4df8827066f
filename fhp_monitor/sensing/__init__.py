"""Sensing: frames from cameras and files (cv2) and pose landmarks from them (mediapipe)."""
