package io.ftvalidator.engine.hash;
/** STUB until the hash branch merges. */
public class ImageFormatException extends Exception { public ImageFormatException(String m) { super(m); } }
