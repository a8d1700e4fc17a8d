<?php
namespace Shop;
final class Cart {}
